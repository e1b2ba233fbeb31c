"""HS codes and ISO 6346 container numbers: pure functions, no database."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from declarations.codes import (
    container_check_digit,
    hs_chapter,
    normalise_container_number,
    validate_container_number,
    validate_hs_code,
)


@pytest.mark.parametrize(
    ("code", "chapter"),
    [
        ("0810", 8),  # fruit heading
        ("08109010", 8),  # durian, 8-digit Vietnamese tariff line
        ("081090", 8),
        ("08045", 8),  # odd lengths are fine
        ("0303", 3),
        ("4403", 44),  # wood in the rough
        ("8471300000", 84),  # 10 digits
        ("2401", 24),
        ("9801", 98),  # national chapter used in Vietnam's tariff
    ],
)
def test_valid_hs_code_gives_its_chapter(code: str, chapter: int) -> None:
    validate_hs_code(code)
    assert hs_chapter(code) == chapter


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("", "invalid_hs_code"),
        ("081", "invalid_hs_code"),  # too short
        ("08109010123", "invalid_hs_code"),  # 11 digits
        ("0810.90", "invalid_hs_code"),
        ("0810 90", "invalid_hs_code"),
        ("08A0", "invalid_hs_code"),
        ("０８１０", "invalid_hs_code"),  # full-width digits
        (None, "invalid_hs_code"),
        ("0012", "invalid_hs_chapter"),
        ("7701", "invalid_hs_chapter"),  # reserved in the HS
    ],
)
def test_invalid_hs_code_is_rejected(code: object, error: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        validate_hs_code(code)
    assert excinfo.value.code == error


def test_hs_chapter_of_an_invalid_code_raises() -> None:
    with pytest.raises(ValidationError):
        hs_chapter("12")


# ISO 6346 letter values, written out as the standard tabulates them (11, 22 and 33 skipped).
ISO_LETTER_VALUES = dict(
    zip(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        [
            10,
            12,
            13,
            14,
            15,
            16,
            17,
            18,
            19,
            20,
            21,
            23,
            24,
            25,
            26,
            27,
            28,
            29,
            30,
            31,
            32,
            34,
            35,
            36,
            37,
            38,
        ],
        strict=True,
    )
)


@pytest.mark.parametrize(
    ("first10", "digit"),
    [
        # The standard's own example, by hand: C13 + S30×2 + Q28×4 + U32×8 + 3×16 + 0×32 + 5×64
        # + 4×128 + 3×256 + 8×512 = 6185; 6185 mod 11 = 3.
        ("CSQU305438", 3),
        ("MSKU907032", 3),
        ("TGHU000001", 3),
        ("HLXU800000", 9),
        ("ABCU000000", 1),  # A10 + B12×2 + C13×4 + U32×8 = 342; 342 mod 11 = 1
    ],
)
def test_container_check_digit_follows_iso_6346(first10: str, digit: int) -> None:
    assert container_check_digit(first10) == digit


@pytest.mark.parametrize(
    "first10",
    [
        "ABCU123456",
        "DEFJ654321",
        "GHIZ000000",
        "JKLU999999",
        "MNOU102938",
        "PQRU564738",
        "STUU111111",
        "VWXJ222222",
        "YZAZ333333",
    ],
)
def test_container_check_digit_agrees_with_the_standard_letter_table(first10: str) -> None:
    total = sum((int(ch) if ch.isdigit() else ISO_LETTER_VALUES[ch]) * 2**i for i, ch in enumerate(first10))
    assert container_check_digit(first10) == total % 11 % 10


@pytest.mark.parametrize("first10", ["CSQU30543", "CSQU3054383", "CSQ3054383", "csqu305438", "CSQU30543X"])
def test_container_check_digit_rejects_malformed_input(first10: str) -> None:
    with pytest.raises(ValueError):
        container_check_digit(first10)


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("CSQU3054383", "CSQU3054383"),
        ("csqu3054383", "CSQU3054383"),
        ("CSQU 305438 3", "CSQU3054383"),
        ("CSQU 305438-3", "CSQU3054383"),
        (" MSKU-907032-3 ", "MSKU9070323"),
    ],
)
def test_container_number_is_normalised_and_valid(raw: str, normalised: str) -> None:
    assert normalise_container_number(raw) == normalised
    validate_container_number(raw)


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        ("CSQU3054384", "invalid_check_digit"),
        ("CSQU3054380", "invalid_check_digit"),
        ("MSKU9070324", "invalid_check_digit"),
        ("CSQX3054383", "invalid_container_number"),  # category must be U, J or Z
        ("CSQU305438", "invalid_container_number"),  # no check digit
        ("CSQU30543833", "invalid_container_number"),
        ("CS1U3054383", "invalid_container_number"),
        ("CSQU305438A", "invalid_container_number"),
        ("", "invalid_container_number"),
        (None, "invalid_container_number"),
    ],
)
def test_invalid_container_number_is_rejected(raw: object, error: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        validate_container_number(raw)
    assert excinfo.value.code == error


def test_wrong_check_digit_message_names_the_expected_digit() -> None:
    with pytest.raises(ValidationError) as excinfo:
        validate_container_number("csqu 305438-4")
    with translation.override("en"):
        (message,) = excinfo.value.messages
    assert "CSQU3054384" in message
    assert "should be 3, not 4" in message


def test_every_wrong_check_digit_is_caught() -> None:
    for digit in "0123456789":
        number = f"CSQU305438{digit}"
        if digit == "3":
            validate_container_number(number)
        else:
            with pytest.raises(ValidationError):
                validate_container_number(number)
