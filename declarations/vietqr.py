"""VietQR payloads for paying the gate fee by bank transfer.

Every Vietnamese banking app scans NAPAS VietQR codes, which are EMVCo merchant-presented QR
payloads: a string of tag-length-value fields ending in a CRC. Putting the amount and our
reference in the code means the operator's transfer arrives with the right amount and a
reference we can match to the declaration, instead of a hand-typed memo.

Only the fields a bank transfer needs are written; ``parse_emv`` reads any payload back (the
tests use it, and so can support staff when a payment does not match).
"""

from __future__ import annotations

import re
import unicodedata
from typing import TypeAlias

__all__ = ["crc16_ccitt", "parse_emv", "vietqr_payload"]

EmvTree: TypeAlias = "dict[str, str | EmvTree]"

_NAPAS_GUID = "A000000727"
_SERVICE_TRANSFER_TO_ACCOUNT = "QRIBFTTA"
_CURRENCY_VND = "704"  # ISO 4217 numeric
_COUNTRY = "VN"

_BANK_BIN = re.compile(r"[0-9]{6}")
_ACCOUNT = re.compile(r"[A-Za-z0-9]{1,19}")
_MAX_AMOUNT_DIGITS = 13  # tag 54 holds at most 13 characters
_MAX_REFERENCE = 25  # tag 62-08 (purpose of transaction) in NAPAS's profile
_MAX_MERCHANT_NAME = 25  # tag 59
_MAX_CITY = 15  # tag 60

# Templates whose value is itself a list of tag-length-value fields, by path from the root.
_NESTED = frozenset({("38",), ("38", "01"), ("62",)})


def crc16_ccitt(data: bytes) -> int:
    """CRC-16/CCITT-FALSE (polynomial 0x1021, initial 0xFFFF, no reflection, no final XOR).

    The checksum EMVCo prescribes for tag 63; bank apps refuse a code whose CRC is wrong.
    """
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _bit in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
    return crc


def _ascii_text(value: str) -> str:
    """Strip Vietnamese diacritics and keep printable ASCII, with single spaces.

    Banks carry only ASCII in a transfer's purpose, and many drop or garble the rest; ``đ`` has
    no decomposition, so it is mapped by hand before the accents are removed.
    """
    value = value.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFKD", value)
    kept = "".join(ch for ch in decomposed if " " <= ch <= "~")
    return " ".join(kept.split())


def _field(tag: str, value: str) -> str:
    if len(value) > 99:
        raise ValueError(f"EMV field {tag} is longer than 99 characters")
    return f"{tag}{len(value):02d}{value}"


def vietqr_payload(
    *,
    bank_bin: str,
    account: str,
    amount: int,
    reference: str,
    merchant_name: str | None = None,
    city: str | None = None,
) -> str:
    """Build the VietQR (EMVCo) payload asking for ``amount`` VND to ``account`` at ``bank_bin``.

    1. Validate the inputs (``ValueError`` names the bad one): a 6-digit bank BIN, an account
       of up to 19 letters/digits, a positive whole amount of VND, a reference that still has
       text once made ASCII.
    2. Write the fields in tag order: 00 format, 01 dynamic (an amount is set), 38 NAPAS
       account (GUID, bank and account, transfer-to-account service), 53 VND, 54 amount,
       58 VN, 59/60 when given, 62-08 the reference.
    3. Append 63 with the CRC computed over everything before it, "6304" included.
    """
    if not isinstance(bank_bin, str) or not _BANK_BIN.fullmatch(bank_bin):
        raise ValueError("bank_bin must be the bank's 6-digit NAPAS BIN")
    if not isinstance(account, str) or not _ACCOUNT.fullmatch(account):
        raise ValueError("account must be 1 to 19 letters or digits")
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise ValueError("amount must be a positive whole number of VND")
    if len(str(amount)) > _MAX_AMOUNT_DIGITS:
        raise ValueError(f"amount must have at most {_MAX_AMOUNT_DIGITS} digits")
    purpose = _ascii_text(reference or "")[:_MAX_REFERENCE].rstrip()
    if not purpose:
        raise ValueError("reference must contain letters or digits")

    beneficiary = _field("00", bank_bin) + _field("01", account)
    merchant_account = (
        _field("00", _NAPAS_GUID) + _field("01", beneficiary) + _field("02", _SERVICE_TRANSFER_TO_ACCOUNT)
    )
    fields = [
        _field("00", "01"),
        _field("01", "12"),  # 12 = dynamic: this code is for one payment of one amount
        _field("38", merchant_account),
        _field("53", _CURRENCY_VND),
        _field("54", str(amount)),
        _field("58", _COUNTRY),
    ]
    for tag, text, limit in (("59", merchant_name, _MAX_MERCHANT_NAME), ("60", city, _MAX_CITY)):
        if text is not None:
            cleaned = _ascii_text(text)[:limit].rstrip()
            if not cleaned:
                raise ValueError(f"field {tag} must contain letters or digits when given")
            fields.append(_field(tag, cleaned))
    fields.append(_field("62", _field("08", purpose)))

    body = "".join(fields) + "6304"
    return body + f"{crc16_ccitt(body.encode('ascii')):04X}"


def _parse_tlv(text: str, path: tuple[str, ...]) -> EmvTree:
    fields: EmvTree = {}
    position = 0
    while position < len(text):
        header = text[position : position + 4]
        if len(header) < 4 or not header.isdigit():
            raise ValueError(f"malformed EMV field at position {position} of {path or 'root'}")
        tag, length = header[:2], int(header[2:])
        value = text[position + 4 : position + 4 + length]
        if len(value) != length:
            raise ValueError(f"EMV field {tag} is shorter than its declared length {length}")
        child = (*path, tag)
        fields[tag] = _parse_tlv(value, child) if child in _NESTED else value
        position += 4 + length
    return fields


def parse_emv(payload: str, *, verify_crc: bool = True) -> EmvTree:
    """Read an EMVCo payload back into ``{tag: value}``; templates 38 (and its 01) and 62 nest.

    With ``verify_crc`` (the default) a payload whose tag 63 does not match its content raises
    ``ValueError``, as a bank app would refuse it.
    """
    fields = _parse_tlv(payload, ())
    if verify_crc and "63" in fields:
        if payload[-8:-4] != "6304":
            raise ValueError("the CRC (tag 63, 4 characters) must be the last field")
        expected = f"{crc16_ccitt(payload[:-4].encode('utf-8')):04X}"
        if payload[-4:].upper() != expected:
            raise ValueError(f"CRC mismatch: payload says {payload[-4:]}, content gives {expected}")
    return fields
