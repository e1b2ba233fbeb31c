"""Codes on a declaration: HS tariff codes and ISO 6346 container numbers.

The HS chapter decides whether quarantine must review a declaration, and a container number
with a wrong check digit is almost always a typo that would stop the truck at the gate; both
are checked here, once, for models, serializers and services alike.
"""

from __future__ import annotations

import re
import string

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

__all__ = [
    "container_check_digit",
    "hs_chapter",
    "normalise_container_number",
    "validate_container_number",
    "validate_hs_code",
]

# --- HS codes ------------------------------------------------------------------------------

# Heading (4 digits) to a national tariff line (8 in Vietnam and ASEAN, 10 in China). Odd
# lengths are accepted: declarants copy codes from documents that cut them anywhere.
_HS_CODE = re.compile(r"[0-9]{4,10}")
# Chapter 77 is reserved in the Harmonized System and there is no chapter 00.
_HS_MISSING_CHAPTERS = frozenset({0, 77})


def validate_hs_code(value: object) -> None:
    """Check an HS code: 4 to 10 digits, nothing else, in an existing chapter."""
    text = value if isinstance(value, str) else ""
    if not _HS_CODE.fullmatch(text):
        raise ValidationError(
            _("Enter an HS code of 4 to 10 digits, without dots or spaces (e.g. 08109010)."),
            code="invalid_hs_code",
        )
    if int(text[:2]) in _HS_MISSING_CHAPTERS:
        raise ValidationError(
            _("HS chapter %(chapter)s does not exist."),
            code="invalid_hs_chapter",
            params={"chapter": text[:2]},
        )


def hs_chapter(code: str) -> int:
    """Return the chapter (first two digits) of a valid HS code; 8 for fruit ``0810...``."""
    validate_hs_code(code)
    return int(code[:2])


# --- Container numbers (ISO 6346) ----------------------------------------------------------


def _letter_values() -> dict[str, int]:
    """A=10, B=12, ... Z=38: consecutive numbers from 10, skipping multiples of 11."""
    values: dict[str, int] = {}
    number = 10
    for letter in string.ascii_uppercase:
        if number % 11 == 0:
            number += 1
        values[letter] = number
        number += 1
    return values


_LETTER_VALUES = _letter_values()
_FIRST_TEN = re.compile(r"[A-Z]{4}[0-9]{6}")
# Owner code, category (U freight container, J detachable equipment, Z trailer/chassis),
# serial number, check digit.
_CONTAINER = re.compile(r"[A-Z]{3}[UJZ][0-9]{7}")
_CONTAINER_SEPARATORS = re.compile(r"[\s\-]")


def container_check_digit(first10: str) -> int:
    """Compute the ISO 6346 check digit of the first 10 characters (owner, category, serial).

    Each character's value (digits as themselves, letters from ``_LETTER_VALUES``) is weighted
    by 2**position; the sum modulo 11, then modulo 10 (a remainder of 10 gives 0), is the digit.
    """
    if not isinstance(first10, str) or not _FIRST_TEN.fullmatch(first10):
        raise ValueError(f"expected 4 letters and 6 digits, got {first10!r}")
    total = sum(
        (int(ch) if ch.isdigit() else _LETTER_VALUES[ch]) * 2**position for position, ch in enumerate(first10)
    )
    return total % 11 % 10


def normalise_container_number(value: str) -> str:
    """Return the stored form of a container number: upper case, no spaces or dashes.

    Numbers are written ``CSQU 305438-3`` or ``csqu3054383`` on documents; storing one form
    lets the same box be found whichever way it was typed.
    """
    return _CONTAINER_SEPARATORS.sub("", value).upper()


def validate_container_number(value: object) -> None:
    """Check a container number's shape and its ISO 6346 check digit (after normalising)."""
    number = normalise_container_number(value) if isinstance(value, str) else ""
    if not _CONTAINER.fullmatch(number):
        raise ValidationError(
            _(
                "Enter a container number like CSQU3054383: a 3-letter owner code, U, J or Z, "
                "6 digits and a check digit."
            ),
            code="invalid_container_number",
        )
    expected = container_check_digit(number[:10])
    if int(number[10]) != expected:
        raise ValidationError(
            _(
                "The check digit of container %(number)s should be %(expected)s, not "
                "%(actual)s: check the number on the container."
            ),
            code="invalid_check_digit",
            params={"number": number, "expected": expected, "actual": number[10]},
        )
