from __future__ import annotations

import pytest

from cuakhau.errors import Conflict, DomainError, NotAllowed
from cuakhau.notifications.models import Notification
from cuakhau.transitions.services import history
from declarations.fees.models import FeeState, Payment, PaymentKind, PaymentMethod
from declarations.fees.selectors import fee_for_declaration, fee_unpaid_amount
from declarations.fees.services import payment_confirm_transfer, payment_record_cash
from tests import factories

from .conftest import make_declaration

pytestmark = pytest.mark.django_db


def test_a_draft_declaration_has_no_fee_and_nothing_is_due(company):
    declaration = make_declaration(company=company, cargo=[("08109050", 12000)])
    assert fee_for_declaration(declaration) is None
    assert fee_unpaid_amount(declaration) is None


def test_an_assessed_fee_is_due_until_paid(declaration_with_fee, gate_staff):
    assert fee_unpaid_amount(declaration_with_fee) == 1_000_000
    payment_record_cash(
        fee=declaration_with_fee.fee, amount=1_000_000, receipt_number="HN-0001", staff=gate_staff
    )
    declaration_with_fee.refresh_from_db()
    assert fee_unpaid_amount(declaration_with_fee) is None


def test_gate_staff_record_a_cash_payment_with_its_receipt(fee, gate_staff, owner):
    payment = payment_record_cash(fee=fee, amount=1_000_000, receipt_number="HN-0001", staff=gate_staff)
    fee.refresh_from_db()
    assert fee.state == FeeState.PAID and fee.paid_at is not None
    assert (payment.kind, payment.method, payment.amount, payment.reference, payment.by) == (
        PaymentKind.PAYMENT,
        PaymentMethod.CASH,
        1_000_000,
        "HN-0001",
        gate_staff,
    )
    assert payment.gate.code == "HUU_NGHI"
    log = list(history(fee))
    assert [(e.source, e.target, e.actor) for e in log][-1] == ("unpaid", "paid", gate_staff)
    assert Notification.objects.filter(
        recipient=owner, event="fee.paid", subject_id=fee.declaration_id
    ).exists()


def test_the_same_receipt_twice_records_one_payment(fee, gate_staff):
    first = payment_record_cash(fee=fee, amount=1_000_000, receipt_number="HN-0001", staff=gate_staff)
    again = payment_record_cash(fee=fee, amount=1_000_000, receipt_number="hn-0001", staff=gate_staff)
    assert again.pk == first.pk
    assert Payment.objects.count() == 1


def test_a_paid_fee_cannot_be_paid_again_with_another_receipt(fee, gate_staff):
    payment_record_cash(fee=fee, amount=1_000_000, receipt_number="HN-0001", staff=gate_staff)
    with pytest.raises(Conflict):
        payment_record_cash(fee=fee, amount=1_000_000, receipt_number="HN-0002", staff=gate_staff)
    assert Payment.objects.count() == 1


def test_cash_must_be_the_exact_amount(fee, gate_staff):
    with pytest.raises(DomainError) as exc:
        payment_record_cash(fee=fee, amount=999_000, receipt_number="HN-0001", staff=gate_staff)
    assert exc.value.code == "wrong_amount"
    fee.refresh_from_db()
    assert fee.state == FeeState.UNPAID and not Payment.objects.exists()


def test_cash_needs_a_receipt_number(fee, gate_staff):
    with pytest.raises(DomainError):
        payment_record_cash(fee=fee, amount=1_000_000, receipt_number="  ", staff=gate_staff)
    assert not Payment.objects.exists()


@pytest.mark.parametrize("persona", ["owner", "customs_officer", "stranger", "staff_of_another_gate"])
def test_only_gate_staff_and_managers_of_the_gate_take_cash(fee, persona, request):
    if persona == "staff_of_another_gate":
        user = factories.staff_user("gate_staff", gates=["TAN_THANH"])
    else:
        user = request.getfixturevalue(persona)
    with pytest.raises(NotAllowed):
        payment_record_cash(fee=fee, amount=1_000_000, receipt_number="HN-0001", staff=user)
    assert not Payment.objects.exists()


def test_a_manager_confirms_a_bank_transfer_by_its_reference(fee, gate_manager):
    payment = payment_confirm_transfer(fee=fee, reference="FT25123456789", staff=gate_manager)
    fee.refresh_from_db()
    assert fee.state == FeeState.PAID
    assert (payment.method, payment.amount, payment.provider_txn_id) == (
        PaymentMethod.BANK_TRANSFER,
        1_000_000,
        "bank:FT25123456789",
    )


def test_one_bank_reference_cannot_pay_two_fees(fee, gate_staff, company):
    payment_confirm_transfer(fee=fee, reference="FT1", staff=gate_staff)
    other = make_declaration(company=company, cargo=[("08109050", 12000)])
    from declarations.fees.services import fee_assess

    other_fee = fee_assess(declaration=other)
    with pytest.raises(Conflict):
        payment_confirm_transfer(fee=other_fee, reference="FT1", staff=gate_staff)
    other_fee.refresh_from_db()
    assert other_fee.state == FeeState.UNPAID


def test_payments_are_append_only(fee, gate_staff):
    from cuakhau.transitions.models import AppendOnlyError

    payment = payment_record_cash(fee=fee, amount=1_000_000, receipt_number="HN-0001", staff=gate_staff)
    payment.amount = 1
    with pytest.raises(AppendOnlyError):
        payment.save()
    with pytest.raises(AppendOnlyError):
        Payment.objects.all().delete()


def test_fee_news_goes_to_the_same_people_as_declaration_news(fee, gate_staff, owner, company):
    """Only the company's active operators: a member whose operator role was taken away hears
    nothing, as for the declaration's own notifications."""
    former = factories.operator_user(company)
    former.groups.clear()
    payment_record_cash(fee=fee, amount=1_000_000, receipt_number="HN-0009", staff=gate_staff)
    told = set(Notification.objects.filter(event="fee.paid").values_list("recipient", flat=True))
    assert told == {owner.pk}


@pytest.mark.parametrize("state", ["cancelled", "rejected", "expired"])
def test_staff_take_no_money_for_a_declaration_that_will_not_cross(company, gate_staff, state):
    from declarations.fees.services import fee_assess

    declaration = make_declaration(company=company, cargo=[("08109050", 12000)], state=state)
    fee = fee_assess(declaration=declaration)
    with pytest.raises(Conflict) as refused:
        payment_record_cash(fee=fee, amount=fee.amount, receipt_number="HN-0009", staff=gate_staff)
    assert refused.value.code == "declaration_closed"
    with pytest.raises(Conflict):
        payment_confirm_transfer(fee=fee, reference="VCB-0009", staff=gate_staff)
    assert not Payment.objects.exists()
    fee.refresh_from_db()
    assert fee.state == FeeState.UNPAID


def test_money_the_bank_reports_for_a_cancelled_declaration_is_still_recorded(company):
    """It arrived: recording it (then a manager refunds it) loses nothing."""
    import json

    from declarations.fees.providers import Sandbox
    from declarations.fees.services import fee_assess, payment_sandbox_callback

    declaration = make_declaration(company=company, cargo=[("08109050", 12000)], state="cancelled")
    fee = fee_assess(declaration=declaration)
    body = json.dumps({"txn_id": "SBX-9", "reference": declaration.number, "amount": fee.amount}).encode()
    payment, created = payment_sandbox_callback(body=body, signature=Sandbox.sign(body))
    assert created and payment.amount == fee.amount
    fee.refresh_from_db()
    assert fee.state == FeeState.PAID


def test_a_receipt_another_fee_took_meanwhile_is_409_and_the_payment_rolls_back_whole(
    fee, gate_staff, company, owner, monkeypatch
):
    # Two fees paid at once with the same receipt: the read under this fee's lock finds nothing
    # (the other fee's payment is not committed yet), the unique key refuses the insert. No
    # savepoint is taken around it: the 409 rolls the whole payment back, and the caller's
    # transaction goes on.
    from declarations.fees.services import fee_assess

    other = fee_assess(declaration=make_declaration(company=company, cargo=[("08109050", 12000)]))
    payment_record_cash(fee=other, amount=other.amount, receipt_number="HN-9", staff=gate_staff)
    notified = Notification.objects.count()
    manager = Payment.objects
    real_filter = manager.filter
    monkeypatch.setattr(
        manager,
        "filter",
        lambda *a, **kw: manager.none() if "provider_txn_id" in kw else real_filter(*a, **kw),
    )
    with pytest.raises(Conflict) as refused:
        payment_record_cash(fee=fee, amount=1_000_000, receipt_number="HN-9", staff=gate_staff)
    assert refused.value.code == "duplicate_reference"
    monkeypatch.undo()
    fee.refresh_from_db()
    assert fee.state == FeeState.UNPAID and fee.paid_at is None
    assert [e.transition for e in history(fee) if e.transition == "mark_paid"] == []
    assert Payment.objects.count() == 1 and Notification.objects.count() == notified


@pytest.mark.parametrize("fault", ["amount", "closed"])
def test_another_fees_receipt_is_said_before_any_other_refusal(fee, gate_staff, company, fault):
    from declarations.fees.services import fee_assess
    from declarations.models import Declaration

    other = fee_assess(declaration=make_declaration(company=company, cargo=[("08109050", 12000)]))
    payment_record_cash(fee=other, amount=other.amount, receipt_number="HN-9", staff=gate_staff)
    if fault == "closed":
        Declaration.objects.filter(pk=fee.declaration_id).update(state="cancelled")
    with pytest.raises(Conflict) as refused:
        payment_record_cash(
            fee=fee, amount=5 if fault == "amount" else 1_000_000, receipt_number="HN-9", staff=gate_staff
        )
    assert refused.value.code == "duplicate_reference"
    with pytest.raises(DomainError) as refused:
        payment_record_cash(
            fee=fee, amount=5 if fault == "amount" else 1_000_000, receipt_number="HN-10", staff=gate_staff
        )
    assert refused.value.code == ("wrong_amount" if fault == "amount" else "declaration_closed")
    assert Payment.objects.count() == 1
