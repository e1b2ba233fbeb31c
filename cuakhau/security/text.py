"""Control characters: NUL and the other C0 codes (and DEL) are refused in addresses, query
parameters and identifiers (PostgreSQL cannot store NUL in text; the rest is never meant)."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Tab, newline and carriage return may appear in free text (a query value, a note).
_CONTROL_BUT_WHITESPACE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def has_control(text: str, *, allow_whitespace: bool = False) -> bool:
    pattern = _CONTROL_BUT_WHITESPACE if allow_whitespace else _CONTROL
    return bool(pattern.search(text))


def without_control(text: str) -> str:
    return _CONTROL.sub("?", text)
