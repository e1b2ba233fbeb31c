"""VietQR (EMVCo) payloads for the gate fee: pure functions, no database."""

from __future__ import annotations

import binascii

import pytest

from declarations.vietqr import crc16_ccitt, parse_emv, vietqr_payload

VCB_BIN = "970436"  # Vietcombank's NAPAS BIN


def _payload(**overrides: object) -> str:
    arguments: dict[str, object] = {
        "bank_bin": VCB_BIN,
        "account": "0011001234567",
        "amount": 4_000_000,
        "reference": "CKS-000123",
    }
    arguments.update(overrides)
    return vietqr_payload(**arguments)  # type: ignore[arg-type]


def test_crc_of_the_standard_check_string() -> None:
    assert crc16_ccitt(b"123456789") == 0x29B1


@pytest.mark.parametrize("data", [b"", b"A", b"000201010212", "Phí cửa khẩu".encode()])
def test_crc_agrees_with_an_independent_implementation(data: bytes) -> None:
    # binascii.crc_hqx is the same polynomial, unreflected; with 0xFFFF it is CCITT-FALSE.
    assert crc16_ccitt(data) == binascii.crc_hqx(data, 0xFFFF)


def test_payload_reads_back_field_by_field() -> None:
    payload = _payload(merchant_name="BQL Cua khau Huu Nghi", city="Lang Son")

    assert parse_emv(payload) == {
        "00": "01",
        "01": "12",
        "38": {
            "00": "A000000727",
            "01": {"00": VCB_BIN, "01": "0011001234567"},
            "02": "QRIBFTTA",
        },
        "53": "704",
        "54": "4000000",
        "58": "VN",
        "59": "BQL Cua khau Huu Nghi",
        "60": "Lang Son",
        "62": {"08": "CKS-000123"},
        "63": payload[-4:],
    }


def test_payload_starts_with_the_format_and_ends_with_its_crc() -> None:
    payload = _payload()
    assert payload.startswith("000201010212")
    assert payload[-8:-4] == "6304"
    assert payload[-4:] == f"{crc16_ccitt(payload[:-4].encode('ascii')):04X}"
    assert payload[-4:] == payload[-4:].upper()


def test_payload_without_merchant_name_or_city_omits_those_tags() -> None:
    fields = parse_emv(_payload())
    assert "59" not in fields
    assert "60" not in fields


def test_payload_is_pure_ascii() -> None:
    payload = _payload(reference="Phí cửa khẩu", merchant_name="Cửa khẩu", city="Lạng Sơn")
    assert payload.isascii()


@pytest.mark.parametrize(
    ("reference", "purpose"),
    [
        ("Phí cửa khẩu Hữu Nghị", "Phi cua khau Huu Nghi"),
        ("Đơn đăng ký ĐK-12", "Don dang ky DK-12"),
        ("Tân Thanh  quả  vải", "Tan Thanh qua vai"),  # runs of spaces collapse
        ("CKS 000123 phí sử dụng kết cấu hạ tầng", "CKS 000123 phi su dung ke"),  # capped at 25
        ("桂A 费用 CKS-1", "A CKS-1"),  # characters with no ASCII form are dropped
    ],
)
def test_reference_becomes_ascii_and_at_most_25_characters(reference: str, purpose: str) -> None:
    fields = parse_emv(_payload(reference=reference))
    assert fields["62"] == {"08": purpose}
    assert len(purpose) <= 25


def test_long_merchant_name_and_city_are_cut_to_their_limits() -> None:
    fields = parse_emv(
        _payload(merchant_name="Ban quản lý khu kinh tế cửa khẩu Đồng Đăng", city="Thành phố Lạng Sơn")
    )
    assert fields["59"] == "Ban quan ly khu kinh te c"
    assert fields["60"] == "Thanh pho Lang"


@pytest.mark.parametrize(
    "overrides",
    [
        {"amount": 0},
        {"amount": -100_000},
        {"amount": 100_000.0},
        {"amount": "100000"},
        {"amount": True},
        {"amount": 10**13},  # 14 digits, more than tag 54 holds
        {"bank_bin": "97043"},
        {"bank_bin": "9704366"},
        {"bank_bin": "97043A"},
        {"account": ""},
        {"account": "0011 0012 3456"},
        {"account": "1" * 20},
        {"account": "tài khoản"},
        {"reference": ""},
        {"reference": "费用"},  # nothing left once made ASCII
        {"merchant_name": "  "},
    ],
)
def test_bad_input_raises_value_error(overrides: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        _payload(**overrides)


def test_largest_amount_that_fits_is_accepted() -> None:
    assert parse_emv(_payload(amount=10**13 - 1))["54"] == "9" * 13


def test_account_with_letters_is_accepted() -> None:
    assert parse_emv(_payload(account="VQRQ0001ABCD"))["38"]["01"]["01"] == "VQRQ0001ABCD"  # type: ignore[index]


def test_tampered_payload_fails_the_crc_check() -> None:
    payload = _payload()
    tampered = payload.replace("54074000000", "54074000001")
    with pytest.raises(ValueError, match="CRC"):
        parse_emv(tampered)
    assert parse_emv(tampered, verify_crc=False)["54"] == "4000001"


@pytest.mark.parametrize("payload", ["0002", "000201011", "AB0201", "00050101"])
def test_malformed_payload_raises_value_error(payload: str) -> None:
    with pytest.raises(ValueError):
        parse_emv(payload)
