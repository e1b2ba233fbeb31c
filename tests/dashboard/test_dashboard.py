"""The managers' dashboard counts what happened at a gate on a day, and only managers see it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from queueing.dashboard import gate_day, percentile
from queueing.models import Booking, Slot
from tests.factories import DeclarationFactory
from tests.factories import gate as factories_gate

pytestmark = pytest.mark.django_db


def test_percentile_is_nearest_rank():
    assert percentile([], 50) is None
    assert percentile([7], 90) == 7
    assert percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50) == 5
    assert percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90) == 9
    assert percentile([10, 1, 5], 50) == 5


def _booking(gate, slot, state, **times):
    declaration = DeclarationFactory(gate=gate, state="cleared")
    return Booking.objects.create(
        declaration=declaration,
        slot=slot,
        gate=gate,
        company=declaration.company,
        vehicle=declaration.vehicle,
        plate_canonical=declaration.vehicle.plate_canonical,
        slot_start=slot.start,
        state=state,
        ticket=f"T-{declaration.pk}",
        **times,
    )


def test_gate_day_counts_states_waits_and_hourly_departures(gate):
    zone = dt.timezone(dt.timedelta(hours=7))
    day = dt.date(2026, 11, 20)
    start = dt.datetime(2026, 11, 20, 8, 0, tzinfo=zone)
    slot = Slot.objects.create(
        gate=gate, direction="export", start=start, end=start + dt.timedelta(hours=1), capacity=10, booked=4
    )
    checked = start + dt.timedelta(minutes=5)
    _booking(
        gate,
        slot,
        "departed",
        checked_in_at=checked,
        called_at=checked + dt.timedelta(minutes=30),
        departed_at=start + dt.timedelta(hours=1, minutes=10),
    )
    _booking(gate, slot, "called", checked_in_at=checked, called_at=checked + dt.timedelta(minutes=90))
    _booking(gate, slot, "in_yard", checked_in_at=checked)
    _booking(gate, slot, "no_show")
    _booking(gate, slot, "cancelled")

    figures = gate_day(gate, day)

    assert figures.counts == {
        "booked": 4,
        "in_yard": 1,
        "called": 1,
        "departed": 1,
        "no_show": 1,
        "cancelled": 1,
    }
    assert figures.yard_now == 1
    assert (figures.wait_p50, figures.wait_p90) == (30, 90)
    assert figures.hourly[9] == 1 and sum(figures.hourly) == 1
    assert (figures.capacity, figures.booked) == (10, 4)
    assert figures.slot_utilisation[0]["pct"] == 40
    assert figures.fees == {"payments": 0, "collected": 0, "refunded": 0, "net": 0}


def test_gate_day_sums_the_fees_paid_at_the_gate_that_day(gate, gate_staff):
    from declarations.fees.services import fee_assess, payment_record_cash

    declaration = DeclarationFactory(gate=gate, state="submitted")
    fee = fee_assess(declaration=declaration)
    payment_record_cash(fee=fee, amount=fee.amount, receipt_number="BL-0001", staff=gate_staff)

    figures = gate_day(gate, timezone.localdate())

    assert figures.fees["payments"] == 1
    assert figures.fees["collected"] == fee.amount == figures.fees["net"]
    assert gate_day(factories_gate("CHI_MA"), timezone.localdate()).fees["collected"] == 0


def test_only_gate_managers_see_the_dashboard(client, owner, gate_manager):
    client.force_login(owner)
    assert client.get("/dashboard/").status_code == 403
    client.force_login(gate_manager)
    response = client.get("/dashboard/HUU_NGHI/?date=2026-11-20")
    assert response.status_code == 200
    assert b"<svg" in response.content


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get("/dashboard/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_today_is_the_default_day(client, gate_manager):
    client.force_login(gate_manager)
    response = client.get("/dashboard/")
    assert response.status_code == 200
    assert response.context["day"] == timezone.localdate()
