"""A cancelled declaration's paid fee can be refunded: by a manager of its gate, with a reason,
once; every refund is an append-only row and a logged transition."""

from __future__ import annotations

import pytest

from cuakhau.errors import Conflict, DomainError, NotAllowed
from cuakhau.notifications.models import Notification
from cuakhau.transitions.services import history
from declarations.fees.models import FeeState, Payment, PaymentKind
from declarations.fees.services import fee_refund, payment_record_cash
from declarations.models import Declaration
from tests import factories

pytestmark = pytest.mark.django_db


def cancel(declaration: Declaration) -> None:
    Declaration.objects.filter(pk=declaration.pk).update(state="cancelled")
    declaration.refresh_from_db()


@pytest.fixture
def paid(fee, gate_staff):  # type: ignore[no-untyped-def]
    payment_record_cash(fee=fee, amount=1_000_000, receipt_number="R1", staff=gate_staff)
    fee.refresh_from_db()
    return fee


def test_a_manager_refunds_the_fee_of_a_cancelled_declaration(paid, gate_manager, owner):
    cancel(paid.declaration)
    refund = fee_refund(fee=paid, reason="Trip cancelled: partner gate closed", manager=gate_manager)
    paid.refresh_from_db()
    assert paid.state == FeeState.REFUNDED and paid.refunded_at is not None
    assert (refund.kind, refund.amount, refund.method, refund.by, refund.reason) == (
        PaymentKind.REFUND,
        1_000_000,
        "cash",
        gate_manager,
        "Trip cancelled: partner gate closed",
    )
    last = list(history(paid))[-1]
    assert (last.transition, last.source, last.target, last.actor, last.note) == (
        "refund",
        "paid",
        "refunded",
        gate_manager,
        "Trip cancelled: partner gate closed",
    )
    assert Notification.objects.filter(recipient=owner, event="fee.refunded").exists()
    assert [p.signed_amount for p in paid.payments.all()] == [1_000_000, -1_000_000]


@pytest.mark.parametrize("state", ["submitted", "under_review", "cleared", "completed"])
def test_a_declaration_that_is_not_cancelled_is_not_refunded(paid, gate_manager, state):
    Declaration.objects.filter(pk=paid.declaration_id).update(state=state)
    with pytest.raises(Conflict):
        fee_refund(fee=paid, reason="asked", manager=gate_manager)
    assert Payment.objects.filter(kind=PaymentKind.REFUND).count() == 0


def test_an_unpaid_fee_has_nothing_to_refund(fee, gate_manager):
    cancel(fee.declaration)
    with pytest.raises(Conflict):
        fee_refund(fee=fee, reason="asked", manager=gate_manager)


def test_a_refund_needs_a_reason(paid, gate_manager):
    cancel(paid.declaration)
    with pytest.raises(DomainError) as exc:
        fee_refund(fee=paid, reason="   ", manager=gate_manager)
    assert exc.value.code == "reason_required"


@pytest.mark.parametrize("persona", ["gate_staff", "owner", "customs_officer", "manager_of_another_gate"])
def test_only_a_manager_of_the_gate_refunds(paid, persona, request):
    cancel(paid.declaration)
    if persona == "manager_of_another_gate":
        user = factories.staff_user("gate_manager", gates=["COC_NAM"])
    else:
        user = request.getfixturevalue(persona)
    with pytest.raises(NotAllowed):
        fee_refund(fee=paid, reason="asked", manager=user)
    paid.refresh_from_db()
    assert paid.state == FeeState.PAID


def test_a_fee_is_refunded_once(paid, gate_manager):
    cancel(paid.declaration)
    fee_refund(fee=paid, reason="first", manager=gate_manager)
    with pytest.raises(Conflict):
        fee_refund(fee=paid, reason="second", manager=gate_manager)
    assert Payment.objects.filter(kind=PaymentKind.REFUND).count() == 1


def test_the_database_refuses_a_refund_row_without_a_reason(paid):
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        Payment.objects.create(
            fee=paid, gate=paid.declaration.gate, kind="refund", method="cash", amount=1, provider_txn_id="x"
        )
