"""Validators for the identity numbers a company and its drivers declare.

Plain functions in Django's validator style (raise ``ValidationError`` with a ``code``, return
nothing), so model fields, forms, DRF serializers and services all apply the same rule. They
check the value as given: trimming surrounding spaces is the caller's job, so that what is
validated is exactly what gets stored.

Only ASCII digits count as digits: ``str.isdigit`` and ``\\d`` accept Arabic-Indic and
full-width digits, which other systems (customs, banks) would reject later.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

__all__ = ["validate_cccd", "validate_passport", "validate_phone", "validate_tax_code"]

_TAX_CODE = re.compile(r"[0-9]{10}(?:-[0-9]{3})?")
_CCCD = re.compile(r"[0-9]{12}")
_PASSPORT = re.compile(r"[A-Za-z0-9]{6,20}")
# What people write between the digits of a phone number; dropped before counting digits.
_PHONE_SEPARATORS = re.compile(r"[ .\-()]")
_PHONE = re.compile(r"\+?[0-9]{8,15}")  # 15 digits is the E.164 maximum


def _as_text(value: object) -> str:
    return value if isinstance(value, str) else ""


def validate_tax_code(value: object) -> None:
    """Check a Vietnamese tax code (mã số thuế): 10 digits, or 10-3 for a branch."""
    if not _TAX_CODE.fullmatch(_as_text(value)):
        raise ValidationError(
            _(
                "Enter a tax code of 10 digits, or 10 digits, a dash and 3 digits for a branch "
                "(e.g. 0101234567 or 0101234567-001)."
            ),
            code="invalid_tax_code",
        )


def validate_cccd(value: object) -> None:
    """Check a Vietnamese citizen identity card number (CCCD): exactly 12 digits."""
    if not _CCCD.fullmatch(_as_text(value)):
        raise ValidationError(
            _("Enter a citizen identity number (CCCD) of exactly 12 digits."),
            code="invalid_cccd",
        )


def validate_passport(value: object) -> None:
    """Check a passport number: 6–20 letters or digits (formats differ by country)."""
    if not _PASSPORT.fullmatch(_as_text(value)):
        raise ValidationError(
            _("Enter a passport number of 6 to 20 letters or digits, without spaces."),
            code="invalid_passport",
        )


def validate_phone(value: object) -> None:
    """Check a phone number: an optional leading +, then 8–15 digits.

    Spaces, dots, dashes and brackets are allowed between digits because that is how numbers
    are written on both sides of the border (``0912 345 678``, ``+84 912345678``,
    ``+86 138 0013 8000``, ``(025) 3851 234``); they are dropped before the digits are counted.
    """
    if not _PHONE.fullmatch(_PHONE_SEPARATORS.sub("", _as_text(value))):
        raise ValidationError(
            _("Enter a phone number of 8 to 15 digits, optionally starting with +."),
            code="invalid_phone",
        )
