"""The managers' dashboard counts what happened at a gate on a day, and only managers see it."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from queueing.dashboard import gate_day, hourly_svg, percentile
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
    assert figures.fees == {"payments": 0, "collected": 0, "refunds": 0, "refunded": 0, "net": 0}


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
    gate = factories_gate("HUU_NGHI")
    slot = Slot.objects.create(
        gate=gate,
        direction="export",
        start=dt.datetime(2026, 11, 20, 1, 0, tzinfo=dt.UTC),
        end=dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC),
        capacity=10,
    )
    # 08:10 and 08:50 and 09:30 at the gate (UTC+7); 23:30 the day before does not count
    for moment in ("2026-11-20T01:10", "2026-11-20T01:50", "2026-11-20T02:30", "2026-11-19T16:30"):
        _booking(gate, slot, "departed", departed_at=dt.datetime.fromisoformat(moment).replace(tzinfo=dt.UTC))
    response = client.get("/dashboard/HUU_NGHI/?date=2026-11-20")
    assert response.status_code == 200
    (figures,) = response.context["figures"]
    assert figures.hourly == [0] * 8 + [2, 1] + [0] * 14
    page = response.content.decode()
    assert '<svg viewBox="0 0 720 200"' in page
    assert "<title>08:00 — 2</title>" in page and "<title>09:00 — 1</title>" in page
    assert page.count("<rect ") == 24


def test_the_hourly_chart_scales_its_bars_to_the_busiest_hour():
    svg = hourly_svg([0, 4, 2, 1] + [0] * 20, width=240, height=100)
    bars = re.findall(r'<rect x="([\d.]+)" y="(\d+)" width="([\d.]+)" height="(\d+)"', svg)
    assert bars[:4] == [
        ("2.0", "100", "6.0", "0"),
        ("12.0", "0", "6.0", "100"),
        ("22.0", "50", "6.0", "50"),
        ("32.0", "75", "6.0", "25"),
    ]
    assert hourly_svg([0] * 24).count('height="0"') == 24  # an empty day draws no bar, without dividing by 0
    tiny = hourly_svg([1000] + [1] + [0] * 22, height=100)
    assert 'y="98" width="26.0" height="2"' in tiny  # a small hour still shows


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get("/dashboard/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_today_is_the_default_day(client, gate_manager):
    client.force_login(gate_manager)
    response = client.get("/dashboard/")
    assert response.status_code == 200
    assert response.context["day"] == timezone.localdate()
