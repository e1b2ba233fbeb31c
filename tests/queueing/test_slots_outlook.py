"""The slot picker for a future day shows that day's queue and estimate, not today's yard."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from queueing import services
from queueing.models import Booking, PartnerAcceptance

from .conftest import make_declaration, make_slot

pytestmark = pytest.mark.django_db


def at_noon(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12, 0)))


def test_a_future_day_shows_its_bookings_and_its_partner_figure_not_todays_yard(client, owner, company, gate):
    today = timezone.localdate()
    tomorrow = today + dt.timedelta(days=2)
    # Today: three trucks in the yard.
    for _ in range(3):
        booking = services.booking_create(
            declaration=make_declaration(company), slot=make_slot(gate, hours_ahead=1), actor=owner
        )
        Booking.objects.filter(pk=booking.pk).update(state="in_yard", checked_in_at=timezone.now())
    # That day: two bookings in one 5-place slot, and the partner side takes one truck.
    slot = make_slot(gate, start=at_noon(tomorrow), capacity=5)
    for _ in range(2):
        services.booking_create(declaration=make_declaration(company), slot=slot, actor=owner)
    PartnerAcceptance.objects.create(gate=gate, date=tomorrow, accepted=1)
    client.force_login(owner)
    page = client.get(
        "/portal/bookings/slots/", {"gate": "HUU_NGHI", "direction": "export", "date": tomorrow.isoformat()}
    )
    html = page.content.decode()
    assert page.context["estimate_kind"] == "day"
    assert "2 trucks booked so far for 5 places that day." in html
    assert "The partner side accepts 1 truck that day: 1 of those booked will wait for the next day." in html
    assert "trucks ahead in the yard" not in html
    today_page = client.get(
        "/portal/bookings/slots/", {"gate": "HUU_NGHI", "direction": "export", "date": today.isoformat()}
    )
    assert today_page.context["estimate_kind"] == "live"
    assert "3 trucks ahead in the yard." in today_page.content.decode()


def test_a_future_day_without_a_partner_figure_says_there_is_no_estimate_yet(client, owner, gate):
    day = timezone.localdate() + dt.timedelta(days=3)
    make_slot(gate, start=at_noon(day), capacity=4)
    client.force_login(owner)
    html = client.get(
        "/portal/bookings/slots/", {"gate": "HUU_NGHI", "date": day.isoformat()}
    ).content.decode()
    assert "0 trucks booked so far for 4 places that day." in html
    assert "No wait estimate yet: the partner side's acceptance for that day is not known." in html


def test_a_past_day_shows_no_estimate(client, owner, gate):
    client.force_login(owner)
    day = timezone.localdate() - dt.timedelta(days=1)
    page = client.get("/portal/bookings/slots/", {"gate": "HUU_NGHI", "date": day.isoformat()})
    assert page.context["estimate_kind"] == "past"
    assert (
        'id="wait-estimate"' not in page.content.decode() and 'id="day-outlook"' not in page.content.decode()
    )
