"""One rule of an overdue review (declarations.models.overdue_q): waiting for a decision past
its due time. The review page, the API flag, the work queue's order and counts, the managers'
sweep and the dashboard all read it, so they agree."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from declarations import selectors, services
from declarations.models import AgencyReview, overdue_q

from .conftest import new_draft, review_of, yellow_always

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("state", "overdue"),
    [("pending", True), ("in_review", True), ("approved", False), ("rejected", False),
     ("info_requested", False), ("closed", False)],
)  # fmt: skip
def test_only_a_review_waiting_for_a_decision_past_its_due_time_is_overdue(owner, state, overdue):
    yellow_always()
    declaration = services.declaration_submit(actor=owner, declaration=new_draft(owner))
    review = review_of(declaration, "customs")
    past = timezone.now() - dt.timedelta(minutes=5)
    AgencyReview.objects.filter(pk=review.pk).update(state=state, due_at=past)
    review.refresh_from_db()

    assert review.is_overdue is overdue
    assert AgencyReview.objects.filter(overdue_q(timezone.now()), pk=review.pk).exists() is overdue
    assert selectors.overdue_reviews().filter(pk=review.pk).exists() is overdue


def test_a_review_not_yet_due_is_not_overdue(owner):
    yellow_always()
    declaration = services.declaration_submit(actor=owner, declaration=new_draft(owner))
    review = review_of(declaration, "customs")
    AgencyReview.objects.filter(pk=review.pk).update(due_at=timezone.now() + dt.timedelta(minutes=5))
    review.refresh_from_db()
    assert review.is_overdue is False
    assert not selectors.overdue_reviews().filter(pk=review.pk).exists()
