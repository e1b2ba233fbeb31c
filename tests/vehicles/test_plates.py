"""Plate parsing and fuzzy matching: pure functions, no database."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from vehicles.plates import (
    CN_PROVINCES,
    OCR_CONFUSIONS,
    Plate,
    PlateError,
    canonical_plate,
    is_plate_shape,
    parse_plate,
    plate_variants,
    rank_candidates,
)

# (raw as typed or read, country given, canonical, display, country)
VALID_PLATES = [
    # Vietnam: the forms printed on plates
    ("12C-123.45", None, "12C12345", "12C-123.45", "VN"),
    ("29LD-012.34", None, "29LD01234", "29LD-012.34", "VN"),
    ("51D1-234.56", None, "51D123456", "51D1-234.56", "VN"),
    ("12R-001.23", None, "12R00123", "12R-001.23", "VN"),
    ("12RM-012.34", None, "12RM01234", "12RM-012.34", "VN"),
    ("14MK1-234.56", None, "14MK123456", "14MK1-234.56", "VN"),
    ("12C-1234", None, "12C1234", "12C-1234", "VN"),
    ("51D1-2345", None, "51D12345", "51D1-2345", "VN"),
    ("80A-123.45", None, "80A12345", "80A-123.45", "VN"),
    ("11H-000.01", None, "11H00001", "11H-000.01", "VN"),
    ("99C-999.99", None, "99C99999", "99C-999.99", "VN"),
    # Vietnam: as people type them
    ("12c-123.45", None, "12C12345", "12C-123.45", "VN"),
    ("12C 123 45", None, "12C12345", "12C-123.45", "VN"),
    ("12C12345", None, "12C12345", "12C-123.45", "VN"),
    ("12C.123.45", None, "12C12345", "12C-123.45", "VN"),
    ("12C-12.345", None, "12C12345", "12C-123.45", "VN"),
    ("12C_123_45", None, "12C12345", "12C-123.45", "VN"),
    ("12C—123.45", None, "12C12345", "12C-123.45", "VN"),
    ("12C−123.45", None, "12C12345", "12C-123.45", "VN"),
    ("  12C-123.45\t", None, "12C12345", "12C-123.45", "VN"),
    ("１２Ｃ－１２３．４５", None, "12C12345", "12C-123.45", "VN"),
    ("２９ＬＤ　０１２．３４", None, "29LD01234", "29LD-012.34", "VN"),
    ("29ld01234", None, "29LD01234", "29LD-012.34", "VN"),
    ("51D123456", None, "51D123456", "51D1-234.56", "VN"),
    ("51-D1 234.56", None, "51D123456", "51D1-234.56", "VN"),
    ("12C-123.45", "vn", "12C12345", "12C-123.45", "VN"),
    ("12C-123.45", "VN", "12C12345", "12C-123.45", "VN"),
    # China: regular, new energy (large and small), trailer
    ("桂A·12345", None, "桂A12345", "桂A·12345", "CN"),
    ("桂A12345", None, "桂A12345", "桂A·12345", "CN"),
    ("桂a 12345", None, "桂A12345", "桂A·12345", "CN"),
    ("桂A-12345", None, "桂A12345", "桂A·12345", "CN"),
    ("桂A・12345", None, "桂A12345", "桂A·12345", "CN"),
    ("桂A･12345", None, "桂A12345", "桂A·12345", "CN"),
    ("桂A•12345", None, "桂A12345", "桂A·12345", "CN"),
    ("桂A‧12345", None, "桂A12345", "桂A·12345", "CN"),
    ("桂A。12345", None, "桂A12345", "桂A·12345", "CN"),
    ("桂Ａ１２３４５", None, "桂A12345", "桂A·12345", "CN"),
    ("京A·88888", None, "京A88888", "京A·88888", "CN"),
    ("琼B·2A345", None, "琼B2A345", "琼B·2A345", "CN"),
    ("粤B12345D", None, "粤B12345D", "粤B·12345D", "CN"),
    ("粤B·D12345", None, "粤BD12345", "粤B·D12345", "CN"),
    ("粤BDF1234", None, "粤BDF1234", "粤B·DF1234", "CN"),
    ("云A·1234挂", None, "云A1234挂", "云A·1234挂", "CN"),
    ("桂A12345", "cn", "桂A12345", "桂A·12345", "CN"),
]

# (raw, country given, expected error code)
INVALID_PLATES = [
    ("", None, "required"),
    ("   ", None, "required"),
    ("-.·", None, "required"),
    ("12C-123.45X", None, "invalid_vn"),  # trailing junk
    ("12C-123.45 A", None, "invalid_vn"),
    ("12C-123.456", None, "invalid_vn"),  # six digits after a separated series
    ("12C-1234567", None, "invalid_vn"),
    ("12C-123", None, "invalid_vn"),
    ("12-123.45", None, "invalid_vn"),  # no series
    ("12CDE-123.45", None, "invalid_vn"),  # three letters
    ("1C-123.45", None, "invalid_vn"),  # one-digit province
    ("ABC-123.45", None, "invalid_vn"),
    ("12Đ-123.45", None, "invalid_vn"),  # Vietnamese letter, not on plates
    ("12C/123.45", None, "invalid_vn"),  # slash is not a separator we accept
    ("hello", None, "invalid_vn"),
    ("10C-123.45", None, "unknown_province"),  # below 11
    ("00C-123.45", None, "unknown_province"),
    ("45C-123.45", None, "unknown_province"),  # never assigned
    ("12O-123.45", None, "invalid_series"),  # O is not used (looks like 0)
    ("12I-123.45", None, "invalid_series"),
    ("29LQ-012.34", None, "invalid_series"),
    ("柱A·12345", None, "unknown_province"),  # looks like 桂, is not a province
    ("中A·12345", None, "unknown_province"),
    ("桂·12345", None, "invalid_cn"),  # no issuing-office letter
    ("桂A1234", None, "invalid_cn"),
    ("桂A1234567", None, "invalid_cn"),
    ("桂AI2345", None, "invalid_cn"),  # I is never used in the serial
    ("桂A12345桂", None, "invalid_cn"),
    ("粤B123456", None, "invalid_cn"),  # six characters but no new-energy letter
    ("粤BZ12345", None, "invalid_cn"),  # Z is not an energy-type letter
    ("12C-123.45", "CN", "invalid_cn"),
    ("桂A12345", "VN", "invalid_vn"),
    ("12C-123.45", "LA", "unsupported_country"),
]


@pytest.mark.parametrize(("raw", "country", "canonical", "display", "expected_country"), VALID_PLATES)
def test_valid_plate_is_parsed_to_canonical_and_display_forms(
    raw: str, country: str | None, canonical: str, display: str, expected_country: str
) -> None:
    assert parse_plate(raw, country) == Plate(display=display, canonical=canonical, country=expected_country)


@pytest.mark.parametrize(("raw", "country", "code"), INVALID_PLATES)
def test_invalid_plate_is_rejected_with_a_specific_code(raw: str, country: str | None, code: str) -> None:
    with pytest.raises(PlateError) as excinfo:
        parse_plate(raw, country)
    assert excinfo.value.code == code


# Province codes 11–99 never assigned to a province (Circular 24/2023/TT-BCA, appendix 2).
VN_UNASSIGNED = {13, 42, 44, 45, 46, 87, 91, 96}


@pytest.mark.parametrize("province", range(100))
def test_every_assigned_vietnamese_province_code_is_accepted_and_no_other(province: int) -> None:
    raw = f"{province:02d}C-123.45"
    if province >= 11 and province not in VN_UNASSIGNED:
        assert parse_plate(raw).canonical == f"{province:02d}C12345"
    else:
        with pytest.raises(PlateError) as excinfo:
            parse_plate(raw)
        assert excinfo.value.code == "unknown_province"
        assert excinfo.value.params == {"province": f"{province:02d}"}


@pytest.mark.parametrize("letter", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
def test_vietnamese_series_use_every_letter_but_i_j_o_q_w(letter: str) -> None:
    for raw in (f"29{letter}-123.45", f"29L{letter}-012.34", f"29{letter}1-234.56"):
        if letter in "IJOQW":
            with pytest.raises(PlateError) as excinfo:
                parse_plate(raw)
            assert (excinfo.value.code, excinfo.value.params) == ("invalid_series", {"letter": letter})
        else:
            assert parse_plate(raw).country == "VN"


@pytest.mark.parametrize("letter", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
def test_chinese_serials_never_use_i_or_o_but_the_office_letter_may(letter: str) -> None:
    serial_ok = letter not in "IO"
    assert is_plate_shape(f"桂A{letter}2345") is serial_ok  # a letter in the serial
    assert is_plate_shape(f"桂A1234{letter}") is serial_ok
    assert is_plate_shape(f"桂A{letter}234挂") is serial_ok  # a trailer
    assert is_plate_shape(f"桂{letter}12345") is True  # the issuing office: A–Z


@pytest.mark.parametrize(
    ("raw", "valid"),
    [
        ("粤BA12345", True),  # new energy, small: A–H, J, K first
        ("粤BK12345", True),
        ("粤BL12345", False),
        ("粤BI12345", False),
        ("粤B12345F", True),  # new energy, large: five digits then D or F
        ("粤B12345E", False),
        ("粤B1234D5", False),
    ],
)
def test_chinese_new_energy_plates_follow_their_letters(raw: str, valid: bool) -> None:
    assert is_plate_shape(canonical_plate(raw)) is valid


@pytest.mark.parametrize(
    ("first", "code"),
    [
        ("\u3400", "unknown_province"),  # first of CJK extension A
        ("\u4e00", "unknown_province"),  # 一
        ("\u9fff", "unknown_province"),  # last of the unified block
        ("\uf900", "unknown_province"),  # first compatibility ideograph
        ("\ufaff", "unknown_province"),  # last compatibility ideograph
        ("\U00020000", "unknown_province"),  # first of extension B
        ("\U0002a6df", "unknown_province"),
        ("\u33ff", "invalid_vn"),  # just before extension A: not an ideograph, read as Vietnamese
        ("\ufb00", "invalid_vn"),  # just after the compatibility block (NFKC turns it into "ff")
    ],
)
def test_a_plate_starting_with_any_cjk_ideograph_is_read_as_chinese(first: str, code: str) -> None:
    with pytest.raises(PlateError) as excinfo:
        parse_plate(f"{first}A12345")
    assert excinfo.value.code == code


def test_an_empty_string_is_no_plate_shape() -> None:
    assert is_plate_shape("") is False


@pytest.mark.parametrize("read", ["A", "?", "★", "桂", "柱A"])
def test_a_read_that_no_plate_is_one_edit_from_has_no_candidates(read: str) -> None:
    assert plate_variants(read) == {}


@pytest.mark.parametrize(
    ("raw", "country", "message"),
    [
        ("", None, "Enter a plate number."),
        ("12C-123.45X", None, "Not a Vietnamese plate: expected e.g. 12C-123.45."),
        ("45C-123.45", None, "45 is not a Vietnamese province code."),
        ("12O-123.45", None, "Vietnamese plates do not use the letter O in the series."),
        ("桂A1234", None, "Not a Chinese plate: expected e.g. 桂A·12345."),
        ("柱A12345", None, "“柱” is not a Chinese province abbreviation."),
        ("12C12345", "LA", "Plates of country LA are not supported: use VN or CN."),
    ],
)
def test_error_message_tells_the_user_what_is_wrong(raw: str, country: str | None, message: str) -> None:
    with translation.override("en"), pytest.raises(PlateError) as excinfo:
        parse_plate(raw, country)
    with translation.override("en"):
        assert excinfo.value.messages == [message]


def test_plate_error_is_a_validation_error() -> None:
    assert issubclass(PlateError, ValidationError)


def test_plate_is_immutable() -> None:
    plate = parse_plate("12C-123.45")
    with pytest.raises(AttributeError):
        plate.canonical = "X"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("12c-123.45", "12C12345"),
        ("１２Ｃ－１２３．４５", "12C12345"),
        ("桂A·12345", "桂A12345"),
        ("桂A ･ 12345", "桂A12345"),
        ("12C-123.45X", "12C12345X"),  # not validated: a bad read still gets a canonical form
        ("12C\u200b123.45\u200e", "12C12345"),  # zero-width space, direction mark (pasted text)
        ("12C\x00123\x0745", "12C12345"),  # control characters from a scanner or a crafted URL
        ("", ""),
    ],
)
def test_canonical_plate_normalises_without_validating(raw: str, canonical: str) -> None:
    assert canonical_plate(raw) == canonical


def test_a_pasted_plate_with_invisible_characters_parses_like_the_plain_one() -> None:
    assert parse_plate("\ufeff29C\u200b-123.45") == parse_plate("29C-123.45")


def test_all_31_chinese_province_abbreviations_are_accepted() -> None:
    assert len(CN_PROVINCES) == 31
    for province in CN_PROVINCES:
        assert parse_plate(f"{province}A·12345").canonical == f"{province}A12345"


def test_display_form_parses_back_to_the_same_plate() -> None:
    for raw, country, *_ in VALID_PLATES:
        plate = parse_plate(raw, country)
        assert parse_plate(plate.display) == plate


# --- Fuzzy matching -------------------------------------------------------------------------

# The plates "in the database" for the matching tests: real neighbours of each other.
FLEET = [
    "12C12345",
    "12C12346",
    "12C22345",
    "12C12343",
    "12C12845",
    "12C1234",
    "29LD01234",
    "29LD00234",
    "51D123456",
    "51D23456",
    "桂A12345",
    "桂A02345",
    "粤A12345",
    "粤B12345D",
]


def _kiosk_lookup(read: str) -> list[str]:
    """What the kiosk does: one IN query over the variants, then rank what came back."""
    variants = plate_variants(read)
    found = [plate for plate in FLEET if plate in variants]
    return rank_candidates(read, found)


@pytest.mark.parametrize(
    ("read", "meant"),
    [
        ("12C-I23.45", "12C12345"),  # I for 1
        ("12C-123.4S", "12C12345"),  # S for 5
        ("I2C-123.45", "12C12345"),
        ("l2c 123 45", "12C12345"),  # lower-case l for 1
        ("12C-12B.45", "12C12845"),  # B for 8
        ("29LD0I234", "29LD01234"),
        ("29LD-O12.34", "29LD01234"),  # O for 0
        ("29LDQ1234", "29LD01234"),  # Q for 0
        ("51DI23456", "51D123456"),
        ("51D1-Z34.56", "51D123456"),  # Z for 2
        ("桂A·I2345", "桂A12345"),
        ("桂A·1Z345", "桂A12345"),
        ("粤B1234SD", "粤B12345D"),
        ("柱A12345", "桂A12345"),  # garbled province character
    ],
)
def test_common_ocr_misread_ranks_the_meant_plate_first(read: str, meant: str) -> None:
    candidates = _kiosk_lookup(read)
    assert candidates
    assert candidates[0] == meant


def test_confusion_ranks_above_plain_substitution_and_deletion() -> None:
    # 12CI2345: I→1 (confusion), I→2 (plain substitution), I dropped (deletion)
    assert rank_candidates("12C-I23.45", ["12C2345", "12C22345", "12C12345"]) == [
        "12C12345",
        "12C22345",
        "12C2345",
    ]


def test_read_two_edits_away_yields_no_candidate() -> None:
    assert _kiosk_lookup("12C-I23.4S") == []
    assert _kiosk_lookup("29LD-OI2.34") == []
    assert rank_candidates("12C-I23.4S", ["12C12345"]) == []


def test_exact_match_ranks_first_and_far_plates_are_dropped() -> None:
    assert rank_candidates("12C-1234", ["12C12345", "12C1234", "29LD01234"]) == [
        "12C1234",
        "12C12345",
    ]


def test_ties_are_broken_alphabetically_and_duplicates_dropped() -> None:
    # 12C12345 and 12C12346 are both one plain substitution away from 12C12347.
    assert rank_candidates("12C12347", ["12C12346", "12C12345", "12C12346"]) == [
        "12C12345",
        "12C12346",
    ]


def test_rank_candidates_accepts_display_forms() -> None:
    assert rank_candidates("12C-I23.45", ["12C-123.45"]) == ["12C-123.45"]


def test_missed_province_character_offers_chinese_plates() -> None:
    assert _kiosk_lookup("A12345") == ["桂A12345", "粤A12345"]


@pytest.mark.parametrize(
    "read",
    ["12C-I23.45", "12C12345", "29LD01234", "51D123456", "桂A·I2345", "粤B12345D", "A12345"],
)
def test_variants_are_few_plausible_plates_with_weights_in_range(read: str) -> None:
    variants = plate_variants(read)
    assert 0 < len(variants) <= 400
    assert canonical_plate(read) not in variants
    assert all(0 < weight <= 1 for weight in variants.values())
    assert all(is_plate_shape(plate) for plate in variants)


def test_variants_give_confusions_the_highest_weight() -> None:
    variants = plate_variants("12C-123.4S")
    assert variants["12C12345"] == pytest.approx(0.9)  # S→5
    assert variants["12C12340"] == pytest.approx(0.3)  # S→0, no resemblance
    assert plate_variants("12C-1234")["12C12345"] == pytest.approx(0.2)  # insertion
    assert plate_variants("12C123456")["12C12345"] == pytest.approx(0.2)  # deletion


def test_every_single_confusion_of_a_stored_plate_finds_it_again() -> None:
    for plate in FLEET:
        for i, ch in enumerate(plate):
            for group in OCR_CONFUSIONS:
                if ch not in group:
                    continue
                for other in group - {ch}:
                    read = plate[:i] + other + plate[i + 1 :]
                    assert plate in plate_variants(read), (plate, read)


def test_every_deletion_or_insertion_of_a_stored_plate_finds_it_again() -> None:
    plate = "29LD01234"
    for i in range(len(plate)):
        assert plate in plate_variants(plate[:i] + plate[i + 1 :])
        assert plate in plate_variants(plate[:i] + "7" + plate[i:])


def test_empty_read_has_no_variants() -> None:
    assert plate_variants("") == {}
    assert plate_variants(" - ") == {}
    assert rank_candidates("", ["12C12345"]) == []


def _variants_by_definition(read: str) -> dict[str, float]:
    """plate_variants as its docstring defines it, written plainly: every single edit, its
    highest weight, kept when is_plate_shape says a stored plate could be it."""
    from vehicles.plates import _ASCII_ALNUM, CN_PROVINCES, OCR_CONFUSIONS, canonical_plate, is_plate_shape

    read = canonical_plate(read)
    weights: dict[str, float] = {}
    for i, ch in enumerate(read):
        if i == 0 and "\u3400" <= ch <= "\u9fff":
            subs = {p: 0.3 for p in CN_PROVINCES}
        else:
            subs = {o: 0.9 if any({ch, o} <= g for g in OCR_CONFUSIONS) else 0.3 for o in _ASCII_ALNUM}
        for other, w in subs.items():
            key = read[:i] + other + read[i + 1 :]
            weights[key] = max(weights.get(key, 0), w)
        key = read[:i] + read[i + 1 :]
        weights[key] = max(weights.get(key, 0), 0.2)
    for i in range(len(read) + 1):
        for other in _ASCII_ALNUM:
            key = read[:i] + other + read[i:]
            weights[key] = max(weights.get(key, 0), 0.2)
    if read and not "\u3400" <= read[0] <= "\u9fff":
        for p in CN_PROVINCES:
            weights[p + read] = max(weights.get(p + read, 0), 0.2)
    weights.pop(read, None)
    return {k: w for k, w in weights.items() if is_plate_shape(k)}


@pytest.mark.parametrize(
    "read",
    ["29LD-012.34", "12C-123.45", "12LD-555.5S", "12C1-2345", "13A-123.45", "12W-12345", "10A1234", "99Z999999",
     "桂A12345", "桂AD1234", "京A1234挂", "A12345", "1", "8O", "ZZZ", "桂"],
)  # fmt: skip
def test_variants_are_exactly_the_plausible_single_edits(read: str) -> None:
    assert plate_variants(read) == _variants_by_definition(read)
