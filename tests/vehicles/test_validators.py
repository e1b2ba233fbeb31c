"""Identity-number validators: pure functions, no database."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError

from vehicles.validators import validate_cccd, validate_passport, validate_phone, validate_tax_code


def _assert_rejected(validator: Callable[[object], None], value: object, code: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        validator(value)
    assert excinfo.value.code == code


@pytest.mark.parametrize("value", ["0101234567", "0100109106", "0101234567-001", "4601234567-999"])
def test_valid_tax_code_is_accepted(value: str) -> None:
    validate_tax_code(value)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "010123456",  # 9 digits
        "01012345678",  # 11 digits
        "0101234567-01",  # branch needs 3 digits
        "0101234567-0001",
        "0101234567001",  # branch without the dash
        "0101234567 001",
        "0101234567-",
        "01O1234567",  # letter O
        " 0101234567",  # trimming is the caller's job
        "０１０１２３４５６７",  # full-width digits
        "٠١٠١٢٣٤٥٦٧",  # Arabic-Indic digits
        None,
        101234567,
    ],
)
def test_invalid_tax_code_is_rejected(value: object) -> None:
    _assert_rejected(validate_tax_code, value, "invalid_tax_code")


@pytest.mark.parametrize("value", ["001099012345", "020201000123", "079300000001"])
def test_valid_cccd_is_accepted(value: str) -> None:
    validate_cccd(value)


@pytest.mark.parametrize(
    "value",
    ["", "00109901234", "0010990123456", "001099 012345", "00109901234A", "012345678", None],
)
def test_invalid_cccd_is_rejected(value: object) -> None:
    _assert_rejected(validate_cccd, value, "invalid_cccd")


@pytest.mark.parametrize("value", ["B1234567", "C01234567", "E12345678", "EA1234567", "123456", "A" * 20])
def test_valid_passport_is_accepted(value: str) -> None:
    validate_passport(value)


@pytest.mark.parametrize(
    "value", ["", "12345", "A" * 21, "B 1234567", "B-1234567", "Đ1234567", "E1234567.", None]
)
def test_invalid_passport_is_rejected(value: object) -> None:
    _assert_rejected(validate_passport, value, "invalid_passport")


@pytest.mark.parametrize(
    "value",
    [
        "0912 345 678",
        "0912345678",
        "0912.345.678",
        "0912-345-678",
        "+84 912345678",
        "+84912345678",
        "+86 138 0013 8000",
        "+8613800138000",
        "(025) 3851 234",
        "02538512345",
        "12345678",  # 8 digits, the shortest accepted
        "+123456789012345",  # 15 digits, the E.164 maximum
    ],
)
def test_valid_phone_is_accepted(value: str) -> None:
    validate_phone(value)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "1234567",  # 7 digits
        "1234567890123456",  # 16 digits
        "++84912345678",
        "84+912345678",
        "0912 345 67a",
        "0912/345/678",
        "+",
        "call me",
        None,
    ],
)
def test_invalid_phone_is_rejected(value: object) -> None:
    _assert_rejected(validate_phone, value, "invalid_phone")
