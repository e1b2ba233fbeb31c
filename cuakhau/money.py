"""Money as people read it: whole VND, grouped the Vietnamese way in every language
(1.234.567 VND), as on the gate's receipts and in the VietQR the bank app shows. The one place
amounts are written for a person; the API keeps plain integers."""

from __future__ import annotations


def vnd_digits(amount: int) -> str:
    """1234567 → "1.234.567" (for messages that write "VND" themselves)."""
    return f"{int(amount):,}".replace(",", ".")


def vnd(amount: int) -> str:
    """1234567 → "1.234.567 VND"."""
    return f"{vnd_digits(amount)} VND"
