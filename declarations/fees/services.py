"""Writes of the fees app: assess a fee, record payments (cash, transfer, sandbox), refund.

Every payment goes through `_record_payment`: one transaction that locks the fee, refuses a
second payment, records an append-only Payment whose `provider_txn_id` is unique (a retried
confirmation or callback returns the row already there), fires `mark_paid` with its
TransitionLog row and notifies the company's operators after commit.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from cuakhau.errors import Conflict, DomainError, NotAllowed, NotFound
from cuakhau.money import vnd_digits
from cuakhau.notifications.services import notify
from cuakhau.transitions.permissions import require_transition
from cuakhau.transitions.services import fire, log_created
from declarations.models import Declaration
from declarations.selectors import company_operators

from .models import Fee, FeeState, Payment, PaymentKind, PaymentMethod, refunds_fee, takes_payment
from .providers import PROVIDERS, Provider, Sandbox, declaration_id_from_reference, sandbox_enabled
from .rules import compute_fee
from .selectors import REFUNDABLE_STATES, schedule_in_force

logger = logging.getLogger(__name__)

MAX_REFERENCE = 80


def fee_assess(*, declaration: Declaration, actor: Any = None, first: bool = False) -> Fee:
    """Compute and store the declaration's fee, once.

    1. A declaration that already has a fee keeps it (a resubmission never recomputes).
       `first`: the caller knows it has none (a draft's submission: only a submission assesses
       a fee, and nothing returns to draft), so none is looked for; one there all the same is
       found by the unique declaration of the insert below, and kept.
    2. The schedule is the one in force on the planned date; none → DomainError (the trip
       cannot be charged, so it cannot be submitted).
    3. The amount and the breakdown are copied into the Fee: editing the schedule later
       changes nothing already computed.
    """
    existing = None if first else Fee.objects.filter(declaration=declaration).first()
    if existing is not None:
        return existing
    schedule = schedule_in_force(declaration.planned_date)
    if schedule is None:
        raise DomainError(
            _("No fee schedule is in force on %(date)s; a manager must add one.")
            % {"date": declaration.planned_date.isoformat()},
            code="no_fee_schedule",
        )
    amount, breakdown = compute_fee(declaration, schedule)
    try:
        with transaction.atomic():
            fee = Fee.objects.create(
                declaration=declaration,
                schedule=schedule,
                resolution=schedule.resolution,
                amount=amount,
                breakdown=breakdown,
            )
            log_created(fee, actor=actor)
    except IntegrityError:
        # A concurrent submit assessed it first; theirs stands.
        return Fee.objects.get(declaration=declaration)
    return fee


# A trip that will not happen is not paid for at the gate. Money the bank reports for one
# (the provider's callback) is still recorded — it arrived — and a manager refunds it.
CLOSED_FOR_PAYMENT = REFUNDABLE_STATES


def fee_close_for_declaration(
    *, declaration: Declaration, state: str, reason: str = ""
) -> list[dict[str, Any]]:
    """A declaration ended (services.ends): what its fee becomes, as message fragments.

    1. Completed (the truck crossed): the fee stays as it is; an unpaid one is still due.
    2. Rejected, cancelled or expired (no trip): an unpaid fee becomes `not_due` (no VietQR, no
       payment taken by staff; money a provider still reports is recorded, then refunded).
    3. A paid fee of such an end stays paid, and the owners hear that it can be refunded.
    """
    if state not in CLOSED_FOR_PAYMENT:
        return []  # nothing to read: a completed trip's fee stays as it is
    fee = Fee.objects.select_for_update().filter(declaration=declaration).first()
    if fee is None:
        return []
    if fee.state == FeeState.UNPAID:
        fire(fee, "mark_not_due", actor_label="declaration", note=reason)
        return [{"event": "end.fee_not_due", "amount": vnd_digits(fee.amount)}]
    if fee.state == FeeState.PAID:
        return [{"event": "end.fee_refundable", "amount": vnd_digits(fee.amount)}]
    return []


def _locked(fee: Fee) -> Fee:
    return Fee.objects.select_for_update().select_related("declaration__gate").get(pk=fee.pk)


def _own_payment(fee: Fee, txn_id: str) -> Payment | None:
    """The payment already holding `txn_id`: this fee's own (a retry) is returned, another's is
    refused (Conflict); None when there is none."""
    existing = Payment.objects.filter(provider_txn_id=txn_id).first()
    if existing is None:
        return None
    if existing.fee_id == fee.pk and existing.kind == PaymentKind.PAYMENT:
        existing.fee = fee  # as read under the lock
        return existing
    raise Conflict(_("This reference was already used for another payment."), code="duplicate_reference")


def _record_payment(
    *,
    fee: Fee,
    provider: Provider,
    amount: int,
    reference: str,
    staff: Any = None,
    actor_label: str = "",
    money_arrived: bool = False,
) -> tuple[Payment, bool]:
    """Record one payment of the whole fee; returns (payment, created), the payment's `fee` the
    fee as it now is (read under its lock, then changed here). Staff may not take money
    for a closed declaration; a provider's report of money that arrived (`money_arrived`) is
    recorded whatever the declaration's state."""
    reference = (reference or "").strip()
    if not reference:
        raise DomainError(_("A reference (receipt or bank transaction number) is required."), code="invalid")
    if len(reference) > MAX_REFERENCE:
        raise DomainError(_("The reference is too long (80 characters at most)."), code="invalid")
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise DomainError(_("The amount must be a whole number of VND."), code="invalid")
    with transaction.atomic():
        fee = _locked(fee)
        txn_id = provider.txn_id(fee, reference)
        payable = fee.state == FeeState.UNPAID or (money_arrived and fee.state == FeeState.NOT_DUE)
        if not payable:
            # A retry of the payment that paid it returns that payment; anything else is refused.
            own = _own_payment(fee, txn_id)
            if own is not None:
                return own, False
            raise Conflict(
                _("This fee is already %(state)s.") % {"state": fee.get_state_display()},
                code="fee_not_unpaid",
            )
        # A fee that can be paid has no payment of its own (paying it is its only way out of
        # unpaid or not due), so a payment holding this reference is another fee's. That refusal
        # comes before the others, so it is looked up when one is due; otherwise the insert's
        # unique key answers it, without a read.
        refusal: DomainError | None = None
        if not money_arrived and fee.declaration.state in CLOSED_FOR_PAYMENT:
            refusal = Conflict(
                _("This declaration is %(state)s: its fee is not taken.")
                % {"state": fee.declaration.get_state_display()},
                code="declaration_closed",
            )
        elif amount != fee.amount:
            refusal = DomainError(
                _("The amount must be exactly the fee: %(amount)s VND.") % {"amount": vnd_digits(fee.amount)},
                code="wrong_amount",
            )
        if refusal is not None:
            _own_payment(fee, txn_id)  # none of its own; another fee's reference is said first
            raise refusal
        try:
            # No savepoint: a reference another fee's payment holds (committed, or committing
            # meanwhile) fails the insert, and the refusal rolls this transaction back whole.
            payment = Payment.objects.create(
                fee=fee,
                gate=fee.declaration.gate,
                kind=PaymentKind.PAYMENT,
                method=provider.method,
                amount=amount,
                reference=reference,
                provider_txn_id=txn_id,
                by=staff if getattr(staff, "is_authenticated", False) else None,
            )
        except IntegrityError:
            raise Conflict(
                _("This reference was already used for another payment."), code="duplicate_reference"
            )
        require_transition(fee, "mark_paid", staff)
        fire(fee, "mark_paid", actor=staff, actor_label=actor_label, note=f"{provider.method} {reference}")
        declaration = fee.declaration
        notify(
            event="fee.paid",
            recipients=company_operators(declaration),
            subject_type="declaration",
            subject_id=declaration.pk,
            payload={"number": declaration.number, "amount": vnd_digits(amount), "reference": reference},
            dedupe=f"payment:{payment.pk}",
        )
    return payment, True


def _require_cashier(user: Any, fee: Fee) -> None:
    if not takes_payment(fee, user):
        raise NotAllowed(_("Only gate staff or a manager of this gate can record payments here."))


def payment_record_cash(*, fee: Fee, amount: int, receipt_number: str, staff: Any) -> Payment:
    """Gate staff took the fee in cash at the kiosk and wrote receipt `receipt_number`.
    Recording the same receipt for the same fee again returns the first record."""
    _require_cashier(staff, fee)
    payment, _created = _record_payment(
        fee=fee, provider=PROVIDERS[PaymentMethod.CASH], amount=amount, reference=receipt_number, staff=staff
    )
    return payment


def payment_confirm_transfer(*, fee: Fee, reference: str, staff: Any, amount: int | None = None) -> Payment:
    """Staff or a manager saw the VietQR transfer arrive and confirms its bank reference."""
    _require_cashier(staff, fee)
    payment, _created = _record_payment(
        fee=fee,
        provider=PROVIDERS[PaymentMethod.BANK_TRANSFER],
        amount=fee.amount if amount is None else amount,
        reference=reference,
        staff=staff,
    )
    return payment


def payment_sandbox_callback(*, body: bytes, signature: str | None) -> tuple[Payment, bool]:
    """Handle the sandbox provider's callback: verify, parse, record once.

    0. Where the sandbox provider is not enabled (PAYMENT_PROVIDERS, production by default),
       the callback does not exist: NotFound (404).
    1. The signature must be HMAC-SHA256 of exactly `body` with FEE_CALLBACK_SECRET, else
       NotAllowed (403) and nothing is read or recorded.
    2. A body that is not {txn_id, reference, amount} → DomainError (400).
    3. The same txn_id again → the payment already recorded, `created` False.
    """
    if not sandbox_enabled():
        raise NotFound(_("The sandbox payment provider is not enabled here."), code="not_found")
    if not Sandbox.verify(body, signature):
        raise NotAllowed(_("The callback signature is missing or wrong."), code="bad_signature")
    try:
        event = Sandbox.parse(body)
    except ValueError as exc:
        raise DomainError(str(exc), code="invalid")
    declaration_id = declaration_id_from_reference(event.reference)
    # declaration__id, not declaration_id: a reference with a number too big for the column
    # then finds no fee instead of failing in the database.
    fee = Fee.objects.filter(declaration__id=declaration_id).first() if declaration_id else None
    if fee is None:
        raise NotFound(_("No fee for reference %(reference)s.") % {"reference": event.reference})
    return _record_payment(
        fee=fee,
        provider=PROVIDERS[PaymentMethod.SANDBOX],
        amount=event.amount,
        reference=event.txn_id,
        actor_label="provider:sandbox",
        money_arrived=True,
    )


def fee_refund(*, fee: Fee, reason: str, manager: Any) -> Payment:
    """Pay back the fee of a declaration that ended without a trip.

    Only a gate manager of the declaration's gate (or a superuser), only when the declaration
    is cancelled, rejected or expired and the fee paid, and only with a reason; a fee is refunded once, whole.
    """
    reason = (reason or "").strip()
    if not refunds_fee(fee, manager):
        raise NotAllowed(_("Only a manager of this gate can refund a fee."))
    if not reason:
        raise DomainError(_("A reason is required for a refund."), code="reason_required")
    with transaction.atomic():
        fee = _locked(fee)
        declaration = fee.declaration
        if declaration.state not in CLOSED_FOR_PAYMENT:
            raise Conflict(
                _("Only the fee of a cancelled, rejected or expired declaration can be refunded."),
                code="not_cancelled",
            )
        if fee.state != FeeState.PAID:
            raise Conflict(
                _("This fee is %(state)s, not paid.") % {"state": fee.get_state_display()},
                code="fee_not_paid",
            )
        paid = fee.payments.filter(kind=PaymentKind.PAYMENT).order_by("-created", "-id").first()
        refund = Payment.objects.create(
            fee=fee,
            gate=declaration.gate,
            kind=PaymentKind.REFUND,
            method=paid.method if paid else PaymentMethod.CASH,
            amount=fee.amount,
            reference=paid.reference if paid else "",
            provider_txn_id=f"refund:{fee.pk}",
            by=manager,
            reason=reason,
        )
        require_transition(fee, "refund", manager)
        fire(fee, "refund", actor=manager, note=reason)
        notify(
            event="fee.refunded",
            recipients=company_operators(declaration),
            subject_type="declaration",
            subject_id=declaration.pk,
            payload={"number": declaration.number, "amount": vnd_digits(fee.amount), "note": reason},
            dedupe=f"refund:{refund.pk}",
        )
    return refund
