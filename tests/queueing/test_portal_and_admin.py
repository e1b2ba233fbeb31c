from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone

from queueing import services
from queueing.models import Booking, BookingState, Slot

from .conftest import make_declaration, make_slot

pytestmark = pytest.mark.django_db


def _day(slot: Slot) -> str:
    return timezone.localtime(slot.start).date().isoformat()


def test_the_slot_picker_shows_places_left_and_books(client, owner, declaration, slot):
    client.force_login(owner)
    page = client.get(
        f"/portal/bookings/slots/?gate=HUU_NGHI&direction=export&date={_day(slot)}&declaration={declaration.pk}"
    )
    assert page.status_code == 200
    assert f'data-slot="{slot.pk}"' in page.content.decode()
    part = client.get(f"/portal/bookings/slots/part/?gate=HUU_NGHI&direction=export&date={_day(slot)}")
    assert next(s for s in part.context["slots"] if s["id"] == slot.pk)["available"] == 10
    response = client.post("/portal/bookings/book/", {"declaration": declaration.pk, "slot": slot.pk})
    booking = Booking.objects.get(declaration=declaration)
    assert response.status_code == 302 and response["Location"] == f"/portal/bookings/{booking.pk}/"
    part = client.get(f"/portal/bookings/slots/part/?gate=HUU_NGHI&direction=export&date={_day(slot)}")
    assert next(s for s in part.context["slots"] if s["id"] == slot.pk)["available"] == 9


def test_the_slot_picker_falls_back_to_today_on_a_day_it_cannot_show(client, owner, gate):
    client.force_login(owner)
    hanoi = dt.timezone(dt.timedelta(hours=7))
    with time_machine.travel(dt.datetime(2026, 3, 10, 9, 0, tzinfo=hanoi), tick=False):
        today = make_slot(gate, start=dt.datetime(2026, 3, 10, 14, 0, tzinfo=hanoi))
        make_slot(gate, start=dt.datetime(2026, 3, 11, 14, 0, tzinfo=hanoi))  # tomorrow: not shown
        for day in ["2026-02-30", "9999-12-31", "garbage", ""]:
            response = client.get(f"/portal/bookings/slots/part/?gate=HUU_NGHI&direction=export&date={day}")
            assert response.status_code == 200, day
            assert [s["id"] for s in response.context["slots"]] == [today.pk], day


def test_the_slot_picker_falls_back_to_the_declarations_planned_day(client, owner, company, gate):
    client.force_login(owner)
    declaration = make_declaration(company)
    declaration.planned_date = dt.date(2026, 3, 12)
    declaration.save(update_fields=["planned_date"])
    page = client.get(f"/portal/bookings/slots/?gate=HUU_NGHI&date=garbage&declaration={declaration.pk}")
    assert page.status_code == 200
    assert page.context["day"] == dt.date(2026, 3, 12)


def test_the_booking_forms_go_back_only_to_pages_of_this_site(client, owner, declaration, slot):
    client.force_login(owner)
    form = {"declaration": declaration.pk, "slot": 0, "next": "https://evil.example/phish"}
    for url in ["/portal/bookings/book/", "/portal/bookings/waitlist/join/"]:
        response = client.post(url, form)
        assert response.status_code == 302 and response["Location"] == "/portal/bookings/slots/", url
    form["next"] = "/portal/bookings/slots/?gate=HUU_NGHI"
    assert client.post("/portal/bookings/book/", form)["Location"] == form["next"]


def test_the_ticket_page_shows_the_qr_of_the_ticket_and_prints_on_a6(client, owner, booking):
    client.force_login(owner)
    page = client.get(f"/portal/bookings/{booking.pk}/").content.decode()
    assert booking.ticket in page and "<svg" in page and booking.vehicle.plate in page
    css = (Path(__file__).resolve().parents[2] / "static/css/queueing.css").read_text()
    assert "size: A6" in css
    png = client.get(f"/portal/bookings/{booking.pk}/ticket.png")
    assert png["Content-Type"] == "image/png"


def test_a_full_slot_message_comes_back_to_the_picker(client, owner, company, gate):
    slot = make_slot(gate, capacity=1)
    services.booking_create(declaration=make_declaration(company), slot=slot, actor=owner)
    client.force_login(owner)
    response = client.post(
        "/portal/bookings/book/", {"declaration": make_declaration(company).pk, "slot": slot.pk}, follow=True
    )
    assert "This slot is full." in response.content.decode()


def test_cancel_and_rebook_from_the_portal(client, owner, booking, gate):
    client.force_login(owner)
    new = make_slot(gate, hours_ahead=40)
    client.post(f"/portal/bookings/{booking.pk}/rebook/", {"slot": new.pk})
    booking.refresh_from_db()
    assert booking.slot_id == new.pk
    client.post(f"/portal/bookings/{booking.pk}/cancel/")
    booking.refresh_from_db()
    assert booking.state == BookingState.CANCELLED


def test_another_companys_booking_pages_are_404(client, other_owner, booking):
    client.force_login(other_owner)
    assert client.get(f"/portal/bookings/{booking.pk}/").status_code == 404
    assert client.post(f"/portal/bookings/{booking.pk}/cancel/").status_code == 404
    assert client.get(f"/portal/bookings/{booking.pk}/ticket.png").status_code == 404
    booking.refresh_from_db()
    assert booking.state == BookingState.CONFIRMED


def test_anonymous_visitors_are_sent_to_log_in(client):
    assert client.get("/portal/bookings/")["Location"].startswith("/accounts/login/")


def test_joining_the_waitlist_from_the_portal(client, owner, company, gate):
    slot = make_slot(gate, capacity=1)
    services.booking_create(declaration=make_declaration(company), slot=slot, actor=owner)
    waiting = make_declaration(company)
    client.force_login(owner)
    client.post(
        "/portal/bookings/waitlist/join/", {"declaration": waiting.pk, "slot": slot.pk, "auto_book": "1"}
    )
    assert "book it for me" in client.get("/portal/bookings/").content.decode()


def test_a_manager_shrinking_a_slot_in_the_admin_moves_bookings(client, gate_manager, owner, company, gate):
    # Both slots on one gate day (a shrink moves bookings within the day only), whatever the hour.
    hanoi = dt.timezone(dt.timedelta(hours=7))
    day_after = timezone.now().astimezone(hanoi).date() + dt.timedelta(days=2)
    slot = make_slot(gate, start=dt.datetime.combine(day_after, dt.time(10, 0), tzinfo=hanoi), capacity=3)
    later = make_slot(gate, start=slot.end, capacity=3)
    bookings = [
        services.booking_create(declaration=make_declaration(company), slot=slot, actor=owner)
        for _ in range(2)
    ]
    client.force_login(gate_manager)
    response = client.post(
        f"/admin/queueing/slot/{slot.pk}/change/",
        {
            "gate": gate.pk,
            "direction": "export",
            "start_0": timezone.localtime(slot.start).strftime("%Y-%m-%d"),
            "start_1": timezone.localtime(slot.start).strftime("%H:%M:%S"),
            "end_0": timezone.localtime(slot.end).strftime("%Y-%m-%d"),
            "end_1": timezone.localtime(slot.end).strftime("%H:%M:%S"),
            "capacity": 1,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    slot.refresh_from_db()
    assert (slot.capacity, slot.booked) == (1, 1)
    assert Booking.objects.get(pk=bookings[1].pk).slot_id == later.pk


def test_closing_slots_in_the_admin_reports_a_refused_slot_and_closes_the_others(rf, gate):
    """A manager of Hữu Nghị only: the Chi Ma slot is refused with a message, not a 500."""
    from django.contrib import admin as django_admin
    from django.contrib.messages.storage.fallback import FallbackStorage

    from tests import factories

    manager = factories.staff_user("gate_manager", gates=["HUU_NGHI"])
    ours = make_slot(gate, hours_ahead=30)
    theirs = make_slot(factories.gate("CHI_MA"), hours_ahead=30)
    request = rf.post("/admin/queueing/slot/")
    request.user = manager
    request.session = {}
    request._messages = FallbackStorage(request)

    model_admin = django_admin.site._registry[Slot]
    model_admin.close_slots(request, Slot.objects.filter(pk__in=[ours.pk, theirs.pk]))

    ours.refresh_from_db()
    theirs.refresh_from_db()
    assert ours.is_closed and not theirs.is_closed
    texts = [str(m) for m in request._messages]
    assert any(str(theirs) in t for t in texts)


def _slot_form(slot, **changes):  # type: ignore[no-untyped-def]
    start = changes.pop("start", slot.start)
    end = changes.pop("end", slot.end)
    form = {
        "gate": slot.gate_id,
        "direction": slot.direction,
        "start_0": timezone.localtime(start).strftime("%Y-%m-%d"),
        "start_1": timezone.localtime(start).strftime("%H:%M:%S"),
        "end_0": timezone.localtime(end).strftime("%Y-%m-%d"),
        "end_1": timezone.localtime(end).strftime("%H:%M:%S"),
        "capacity": slot.capacity,
    }
    if slot.is_closed:
        form["is_closed"] = "on"
    form.update(changes)
    return form


def test_a_manager_moving_an_empty_slot_in_the_admin_saves_the_new_window(client, gate_manager, gate):
    # Regression: the edit of an existing slot used to be accepted and silently dropped.
    slot = make_slot(gate, hours_ahead=30, capacity=4)
    new_start = slot.start + dt.timedelta(minutes=30)
    client.force_login(gate_manager)
    response = client.post(
        f"/admin/queueing/slot/{slot.pk}/change/",
        _slot_form(slot, start=new_start, end=new_start + dt.timedelta(hours=1), direction="import"),
    )
    assert response.status_code == 302
    slot.refresh_from_db()
    assert (slot.start, slot.end, slot.direction) == (
        new_start,
        new_start + dt.timedelta(hours=1),
        "import",
    )


def test_a_booked_slot_keeps_its_window_and_the_manager_is_told_why(
    client, gate_manager, owner, company, gate
):
    slot = make_slot(gate, hours_ahead=30, capacity=4)
    services.booking_create(declaration=make_declaration(company), slot=slot, actor=owner)
    before = (slot.start, slot.end, slot.capacity)
    client.force_login(gate_manager)
    response = client.post(
        f"/admin/queueing/slot/{slot.pk}/change/",
        _slot_form(
            slot, start=slot.start + dt.timedelta(hours=2), end=slot.end + dt.timedelta(hours=2), capacity=9
        ),
        follow=True,
    )
    assert "Nothing was saved" in response.content.decode()
    assert "1 bookings hold places" in response.content.decode()
    slot.refresh_from_db()
    # All or nothing: the capacity in the same form was not applied either.
    assert (slot.start, slot.end, slot.capacity) == before


def test_reopening_a_closed_slot_offers_its_places_to_the_waitlist(
    client, gate_manager, owner, company, gate
):
    from queueing.models import WaitlistEntry, WaitlistState

    slot = make_slot(gate, hours_ahead=30, capacity=2)
    services.slot_close(slot=slot)
    slot.refresh_from_db()
    # Waiting entries lapse when a slot closes; one that arrives while it is closed still waits.
    waiting = WaitlistEntry.objects.create(
        declaration=make_declaration(company), slot=slot, company=company, auto_book=True
    )
    client.force_login(gate_manager)
    response = client.post(f"/admin/queueing/slot/{slot.pk}/change/", _slot_form(slot, is_closed=""))
    assert response.status_code == 302
    slot.refresh_from_db()
    waiting.refresh_from_db()
    assert not slot.is_closed
    assert waiting.state == WaitlistState.BOOKED
    assert slot.booked == 1


def test_an_override_the_slots_refuse_is_not_kept(client, gate_manager, company, gate):
    from queueing import rules
    from queueing.models import CapacityOverride

    slot = make_slot(gate, hours_ahead=50, capacity=5)
    declaration = make_declaration(company)
    Booking.objects.create(
        declaration=declaration,
        slot=slot,
        gate=gate,
        company=company,
        vehicle=declaration.vehicle,
        plate_canonical=declaration.vehicle.plate_canonical,
        slot_start=slot.start,
        state="in_yard",
        ticket=rules.new_ticket(),
    )
    Slot.objects.filter(pk=slot.pk).update(booked=1)
    client.force_login(gate_manager)
    response = client.post(
        "/admin/queueing/capacityoverride/add/",
        {
            "gate": gate.pk,
            "date": rules.local_date(gate, slot.start).isoformat(),
            "direction": "export",
            "kind": "capacity",
            "capacity": 0,
            "reason": "works on the lane",
        },
        follow=True,
    )
    assert "Nothing was saved" in response.content.decode()
    assert not CapacityOverride.objects.exists()
    slot.refresh_from_db()
    assert (slot.capacity, slot.booked) == (5, 1)
