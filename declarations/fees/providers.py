"""How a fee gets paid: a small provider interface, one class per way of paying.

A provider knows what to show the payer and how to name its transactions uniquely
(`txn_id`); `services` records every payment through the same path, with `provider_txn_id`
unique, so a retried confirmation or callback never records money twice.

- BankTransferVietQR: the portal shows a VietQR code (gate's account, amount, the declaration
  number as the transfer's purpose); gate staff or a manager confirms the bank's reference.
- Cash: gate staff take cash at the kiosk and type the receipt number.
- Sandbox: for tests and demos; a callback signed with HMAC-SHA256 (docs/fees.md).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from django.conf import settings

from cuakhau.security.parsers import TooDeep, loads_limited
from cuakhau.security.text import has_control
from declarations.vietqr import vietqr_payload

from .models import PaymentMethod

if TYPE_CHECKING:
    from .models import Fee

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Sandbox-Signature"
_SIGNATURE = re.compile(r"sha256=([0-9a-fA-F]{64})")
_DECLARATION_NUMBER = re.compile(r"TK0*([0-9]+)", re.IGNORECASE)


def _clean_reference(value: str) -> str:
    """References as typed by people: upper case, inner spaces dropped."""
    return "".join(str(value).split()).upper()


def declaration_id_from_reference(reference: str) -> int | None:
    """'TK0000012' (as written into the transfer's purpose) → 12."""
    match = _DECLARATION_NUMBER.fullmatch(_clean_reference(reference))
    return int(match.group(1)) if match else None


class Provider(Protocol):
    @property
    def method(self) -> str: ...

    def txn_id(self, fee: Fee, reference: str) -> str: ...


class BankTransferVietQR:
    method = PaymentMethod.BANK_TRANSFER
    city = "Lang Son"

    def payload(self, fee: Fee) -> str | None:
        """The EMVCo text any Vietnamese banking app scans, or None when the gate has no account."""
        gate = fee.declaration.gate
        if not gate.bank_bin or not gate.bank_account:
            return None
        try:
            return vietqr_payload(
                bank_bin=gate.bank_bin,
                account=gate.bank_account,
                amount=int(fee.amount),
                reference=fee.declaration.number,
                merchant_name=gate.bank_account_name or None,
                city=self.city,
            )
        except ValueError:
            # A mistyped account in the gate's settings must not break the fee page: no code,
            # cash still works, and the log tells the manager what to fix.
            logger.warning("gate %s has bank details VietQR refuses; no code shown", gate.code, exc_info=True)
            return None

    def txn_id(self, fee: Fee, reference: str) -> str:
        # A bank's transaction reference names one transfer: it can settle one fee once.
        return f"bank:{_clean_reference(reference)}"


class Cash:
    method = PaymentMethod.CASH

    def txn_id(self, fee: Fee, reference: str) -> str:
        # Receipt books are per gate: the same number at the same gate is the same receipt.
        return f"cash:{fee.declaration.gate.code}:{_clean_reference(reference)}"


@dataclass(frozen=True)
class SandboxEvent:
    txn_id: str
    reference: str
    amount: int


class Sandbox:
    method = PaymentMethod.SANDBOX

    def txn_id(self, fee: Fee, reference: str) -> str:
        return f"sandbox:{reference}"

    @staticmethod
    def sign(body: bytes, secret: str | None = None) -> str:
        """The header value a sender puts on `body`: 'sha256=' + hex HMAC-SHA256."""
        key = (secret if secret is not None else settings.FEE_CALLBACK_SECRET).encode()
        return "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()

    @classmethod
    def verify(cls, body: bytes, signature: str | None) -> bool:
        """True when `signature` is the HMAC of exactly these bytes (constant-time compare)."""
        if not signature or not settings.FEE_CALLBACK_SECRET:
            return False
        match = _SIGNATURE.fullmatch(signature.strip())
        if not match:
            return False
        return hmac.compare_digest(cls.sign(body)[len("sha256=") :], match.group(1).lower())

    @staticmethod
    def parse(body: bytes) -> SandboxEvent:
        """Read a verified body {txn_id, reference, amount}; ValueError names what is wrong."""
        try:
            data = loads_limited(body.decode("utf-8"))
        except TooDeep:
            raise
        except (UnicodeDecodeError, ValueError) as exc:
            raise ValueError("the body is not JSON") from exc
        if not isinstance(data, dict):
            raise ValueError("the body must be a JSON object")
        txn_id, reference, amount = data.get("txn_id"), data.get("reference"), data.get("amount")
        if not isinstance(txn_id, str) or not txn_id.strip() or len(txn_id) > 100 or has_control(txn_id):
            raise ValueError("txn_id must be a non-empty string of at most 100 characters")
        if not isinstance(reference, str) or not reference.strip() or has_control(reference):
            raise ValueError("reference must be the declaration number")
        if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
            raise ValueError("amount must be a positive whole number of VND")
        return SandboxEvent(txn_id=txn_id.strip(), reference=reference.strip(), amount=amount)


def sandbox_enabled() -> bool:
    """The sandbox provider works only where PAYMENT_PROVIDERS lists it (settings refuse that in
    production unless PAYMENTS_SANDBOX says the deployment is a sandbox)."""
    return PaymentMethod.SANDBOX in settings.PAYMENT_PROVIDERS


PROVIDERS: dict[str, Provider] = {
    PaymentMethod.BANK_TRANSFER: BankTransferVietQR(),
    PaymentMethod.CASH: Cash(),
    PaymentMethod.SANDBOX: Sandbox(),
}
