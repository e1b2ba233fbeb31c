"""Two officers at the same moment, on two real PostgreSQL connections: exactly one wins."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections

from cuakhau.accounts.roles import Agency, Role
from cuakhau.errors import Conflict
from cuakhau.transitions.services import history
from declarations import services
from declarations.models import AgencyReview, Declaration
from tests import factories

from .conftest import new_draft, review_of, yellow_always

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls in threads released together; return each one's result or exception."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        except Exception as exc:  # the loser's Conflict is the point
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.fixture
def two_customs_officers(db):  # type: ignore[no-untyped-def]
    return [factories.staff_user(Role.CUSTOMS, Agency.CUSTOMS) for _ in range(2)]


@pytest.fixture
def submitted(owner):  # type: ignore[no-untyped-def]
    yellow_always()
    return services.declaration_submit(actor=owner, declaration=new_draft(owner))


def test_two_officers_claiming_the_same_review_one_wins_one_conflicts(submitted, two_customs_officers):
    assert connection.vendor == "postgresql"
    review_id = review_of(submitted, "customs").pk
    a, b = two_customs_officers
    results = race(
        lambda: services.review_claim(actor=a, review=review_id),
        lambda: services.review_claim(actor=b, review=review_id),
    )
    wins = [r for r in results if isinstance(r, AgencyReview)]
    losses = [r for r in results if isinstance(r, Conflict)]
    assert len(wins) == 1 and len(losses) == 1, results
    review = AgencyReview.objects.get(pk=review_id)
    assert review.officer_id == wins[0].officer_id
    assert history(review).filter(transition="claim").count() == 1


def test_two_officers_approving_the_same_review_one_wins_one_conflicts(submitted, two_customs_officers):
    review_id = review_of(submitted, "customs").pk
    a, b = two_customs_officers
    services.review_claim(actor=a, review=review_id)
    results = race(
        lambda: services.review_approve(actor=a, review=review_id, note="a"),
        lambda: services.review_reject(actor=b, review=review_id, note="b"),
    )
    assert sum(isinstance(r, AgencyReview) for r in results) == 1, results
    assert sum(isinstance(r, Conflict) for r in results) == 1, results
    review = AgencyReview.objects.get(pk=review_id)
    assert history(review).exclude(transition__in=["create", "claim"]).count() == 1
    assert review.state in ("approved", "rejected")


def test_the_last_two_approvals_at_once_clear_the_declaration_exactly_once(submitted, officers):
    for agency in ("customs", "border_guard", "quarantine"):
        services.review_claim(actor=officers[agency], review=review_of(submitted, agency))
    services.review_approve(actor=officers["quarantine"], review=review_of(submitted, "quarantine"))
    results = race(
        lambda: services.review_approve(actor=officers["customs"], review=review_of(submitted, "customs").pk),
        lambda: services.review_approve(
            actor=officers["border_guard"], review=review_of(submitted, "border_guard").pk
        ),
    )
    assert all(isinstance(r, AgencyReview) for r in results), results
    declaration = Declaration.objects.get(pk=submitted.pk)
    assert declaration.state == "cleared"
    assert history(declaration).filter(transition="clear").count() == 1


def test_an_owner_cancelling_while_an_officer_rejects_ends_the_declaration_once(
    owner, submitted, border_guard_officer, gate
):
    """One end wins; the other is refused; the open reviews close once, the booking is
    cancelled once, the owner is told once."""
    from cuakhau.notifications.models import Notification
    from queueing import services as queue
    from queueing.models import Booking, Slot
    from tests.queueing.conftest import make_slot

    slot = make_slot(gate)
    booking = queue.booking_create(declaration=submitted, slot=slot, actor=owner)
    guard = review_of(submitted, "border_guard")
    services.review_claim(actor=border_guard_officer, review=guard)
    results = race(
        lambda: services.declaration_cancel(actor=owner, declaration=submitted),
        lambda: services.review_reject(actor=border_guard_officer, review=guard.pk, note="papers"),
    )
    assert sum(isinstance(r, Conflict) for r in results) == 1, results
    declaration = Declaration.objects.get(pk=submitted.pk)
    assert declaration.state in ("cancelled", "rejected")
    customs = review_of(declaration, "customs")
    assert customs.state == "closed"
    assert history(customs).filter(transition="close").count() == 1
    assert Booking.objects.get(pk=booking.pk).state == "cancelled"
    assert Slot.objects.get(pk=slot.pk).booked == 0
    ends = Notification.objects.filter(
        recipient=owner, channel="in_app", event__in=["declaration.cancelled", "declaration.rejected"]
    )
    assert list(ends.values_list("event", flat=True)) == [f"declaration.{declaration.state}"]
