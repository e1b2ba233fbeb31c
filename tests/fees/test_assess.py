"""The fee is computed once, at the first submission, from the schedule in force on the planned
date, and keeps its numbers whatever happens to the schedule afterwards."""

from __future__ import annotations

import datetime as dt

import pytest

from cuakhau.errors import DomainError
from declarations.fees.models import FeeSchedule, FeeState
from declarations.fees.selectors import schedule_in_force
from declarations.fees.services import fee_assess
from declarations.models import Declaration

from .conftest import make_declaration

pytestmark = pytest.mark.django_db

RUBBER = "40011000"


def seeded() -> FeeSchedule:
    return FeeSchedule.objects.get(resolution="09/2025/NQ-HĐND")


def new_schedule(valid_from: dt.date, bulk_10_15t: int, **kwargs) -> FeeSchedule:  # type: ignore[no-untyped-def]
    schedule = FeeSchedule.objects.create(name=f"from {valid_from}", valid_from=valid_from, **kwargs)
    schedule.rates.create(key="bulk_10_15t", amount=bulk_10_15t)
    return schedule


def test_the_seeded_schedule_is_in_force_from_2025():
    assert schedule_in_force(dt.date(2024, 12, 31)) is None
    assert schedule_in_force(dt.date(2025, 1, 1)) == seeded()


def test_a_newer_schedule_takes_over_from_its_first_day():
    newer = new_schedule(dt.date(2027, 1, 1), 1_200_000)
    assert schedule_in_force(dt.date(2026, 12, 31)) == seeded()
    assert schedule_in_force(dt.date(2027, 1, 1)) == newer


def test_a_schedule_ends_on_its_valid_to_day():
    old = seeded()
    old.valid_to = dt.date(2026, 12, 31)
    old.save()
    assert schedule_in_force(dt.date(2026, 12, 31)) == old
    assert schedule_in_force(dt.date(2027, 1, 1)) is None


def test_an_inactive_schedule_is_never_used():
    new_schedule(dt.date(2026, 1, 1), 9_999_000, is_active=False)
    assert schedule_in_force(dt.date(2026, 6, 1)) == seeded()


def test_the_fee_uses_the_schedule_of_the_planned_date_not_of_today():
    new_schedule(dt.date(2027, 1, 1), 1_200_000)
    before = make_declaration(cargo=[(RUBBER, 12000)], planned_date=dt.date(2026, 12, 31))
    after = make_declaration(cargo=[(RUBBER, 12000)], planned_date=dt.date(2027, 1, 1))
    assert fee_assess(declaration=before).amount == 1_000_000
    assert fee_assess(declaration=after).amount == 1_200_000


def test_no_schedule_in_force_refuses_the_assessment():
    declaration = make_declaration(cargo=[(RUBBER, 12000)], planned_date=dt.date(2024, 6, 1))
    with pytest.raises(DomainError) as exc:
        fee_assess(declaration=declaration)
    assert exc.value.code == "no_fee_schedule"


def test_editing_the_schedule_after_assessment_does_not_change_the_fee():
    declaration = make_declaration(delivery_mode="inland", cargo=[(RUBBER, 12000)])
    fee = fee_assess(declaration=declaration)
    # 1,000,000 × 130% = 1,300,000
    assert fee.amount == 1_300_000
    snapshot = list(fee.breakdown)
    schedule = seeded()
    schedule.rates.filter(key="bulk_10_15t").update(amount=5_000_000)
    schedule.multipliers.filter(key="inland_delivery").delete()
    schedule.name = "renamed"
    schedule.save()

    fee.refresh_from_db()
    assert fee.amount == 1_300_000 and fee.breakdown == snapshot
    assert fee.resolution == "09/2025/NQ-HĐND"
    assert fee_assess(declaration=declaration).amount == 1_300_000


def test_the_fee_is_born_unpaid_with_its_birth_logged():
    from cuakhau.transitions.services import history

    fee = fee_assess(declaration=make_declaration(cargo=[(RUBBER, 12000)]))
    assert fee.state == FeeState.UNPAID
    assert [(e.transition, e.target) for e in history(fee)] == [("create", "unpaid")]


def test_submission_computes_the_fee_once_and_resubmission_keeps_it(owner, company, customs_officer):
    from declarations.services import (
        declaration_resubmit,
        declaration_submit,
        review_claim,
        review_request_info,
    )

    declaration = make_declaration(company=company, cargo=[(RUBBER, 12000)])
    declaration_submit(actor=owner, declaration=declaration)
    assert Declaration.objects.get(pk=declaration.pk).fee.amount == 1_000_000

    seeded().rates.filter(key="bulk_10_15t").update(amount=7_000_000)
    review = declaration.reviews.get(agency="customs")
    review_claim(actor=customs_officer, review=review)
    review_request_info(actor=customs_officer, review=review, note="invoice?")
    declaration.cargo_lines.update(gross_kg=40000)  # edited while returned for information
    declaration_resubmit(actor=owner, declaration=declaration)
    declaration = Declaration.objects.get(pk=declaration.pk)
    assert declaration.state != "returned"
    assert declaration.fee.amount == 1_000_000


def test_submitting_through_the_declarations_service_assesses_the_fee(owner, company):
    services = pytest.importorskip("declarations.services")
    declaration = make_declaration(company=company, direction="export", cargo=[("08109050", 1500)])
    services.declaration_submit(actor=owner, declaration=declaration)
    declaration.refresh_from_db()
    # 1.5 t of dragon fruit: small produce → 100,000
    assert declaration.state != "draft"
    assert declaration.fee.amount == 100_000
    assert declaration.fee.state == FeeState.UNPAID


def test_a_submission_without_a_fee_schedule_fails_with_no_fee_schedule_and_rolls_back(owner, company):
    from cuakhau.notifications.models import Notification
    from cuakhau.transitions.models import TransitionLog
    from declarations.services import declaration_submit

    declaration = make_declaration(company=company, direction="export", cargo=[("08109050", 1500)])
    FeeSchedule.objects.update(is_active=False)
    logged = TransitionLog.objects.count()
    with pytest.raises(DomainError) as refused:
        declaration_submit(actor=owner, declaration=declaration)
    assert refused.value.code == "no_fee_schedule"
    assert declaration.planned_date.isoformat() in str(refused.value)
    declaration.refresh_from_db()
    assert (declaration.state, declaration.round, declaration.reviews.count()) == ("draft", 0, 0)
    assert not hasattr(declaration, "fee")
    assert TransitionLog.objects.count() == logged
    assert not Notification.objects.exists()
