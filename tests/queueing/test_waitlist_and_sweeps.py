from __future__ import annotations

import datetime as dt
import threading

import pytest
import time_machine
from django.db import connections

from cuakhau.errors import Conflict
from cuakhau.notifications.models import Notification
from queueing import services
from queueing.models import Booking, BookingState, Slot, WaitlistState

from .conftest import make_declaration, make_slot


@pytest.mark.django_db
def test_a_freed_place_goes_to_the_first_waiting_declaration_automatically(company, owner, gate):
    slot = make_slot(gate, capacity=1)
    holder = services.booking_create(declaration=make_declaration(company), slot=slot, actor=owner)
    first = services.waitlist_join(
        declaration=make_declaration(company), slot=slot, actor=owner, auto_book=True
    )
    second = services.waitlist_join(
        declaration=make_declaration(company), slot=slot, actor=owner, auto_book=True
    )
    services.booking_cancel(booking=holder, actor=owner)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.state == WaitlistState.BOOKED and second.state == WaitlistState.WAITING
    assert Booking.objects.get(declaration=first.declaration).state == BookingState.CONFIRMED
    assert Slot.objects.get(pk=slot.pk).booked == 1


@pytest.mark.django_db
def test_a_waiting_operator_who_did_not_choose_auto_booking_is_told(company, owner, gate):
    slot = make_slot(gate, capacity=1)
    holder = services.booking_create(declaration=make_declaration(company), slot=slot, actor=owner)
    entry = services.waitlist_join(declaration=make_declaration(company), slot=slot, actor=owner)
    services.booking_cancel(booking=holder, actor=owner)
    entry.refresh_from_db()
    assert entry.state == WaitlistState.OFFERED
    assert Notification.objects.filter(event="booking.waitlist_offer", recipient=owner).exists()
    assert Slot.objects.get(pk=slot.pk).booked == 0


@pytest.mark.django_db
def test_auto_booking_rebooks_a_declaration_that_holds_another_slot(company, owner, gate):
    wanted = make_slot(gate, capacity=1)
    fallback = make_slot(gate, hours_ahead=40, capacity=1)
    holder = services.booking_create(declaration=make_declaration(company), slot=wanted, actor=owner)
    mine = services.booking_create(declaration=make_declaration(company), slot=fallback, actor=owner)
    services.waitlist_join(declaration=mine.declaration, slot=wanted, actor=owner, auto_book=True)
    services.booking_cancel(booking=holder, actor=owner)
    mine.refresh_from_db()
    assert mine.slot_id == wanted.pk
    assert Slot.objects.get(pk=fallback.pk).booked == 0


@pytest.mark.django_db
def test_a_slot_with_room_is_booked_not_waited_for(declaration, slot, owner):
    with pytest.raises(Conflict) as err:
        services.waitlist_join(declaration=declaration, slot=slot, actor=owner)
    assert err.value.code == "slot_has_room"


@pytest.mark.django_db
def test_the_no_show_sweep_closes_missed_bookings_once(booking, gate):
    after = booking.slot.end + dt.timedelta(minutes=gate.grace_minutes + 1)
    with time_machine.travel(booking.slot.end + dt.timedelta(minutes=gate.grace_minutes - 1), tick=False):
        assert services.bookings_mark_no_shows() == []
    with time_machine.travel(after, tick=False):
        assert services.bookings_mark_no_shows() == [booking.pk]
        assert services.bookings_mark_no_shows() == []
    booking.refresh_from_db()
    assert booking.state == BookingState.NO_SHOW
    assert Slot.objects.get(pk=booking.slot_id).booked == 1  # the place is not given back
    assert (
        Notification.objects.filter(event="booking.no_show", subject_id=booking.pk, channel="in_app").count()
        == 1
    )


@pytest.mark.django_db
def test_reminders_go_once_two_hours_before(booking, owner):
    with time_machine.travel(booking.slot_start - dt.timedelta(hours=3), tick=False):
        assert services.bookings_send_reminders() == []
    with time_machine.travel(booking.slot_start - dt.timedelta(hours=1, minutes=59), tick=False):
        assert services.bookings_send_reminders() == [booking.pk]
        assert services.bookings_send_reminders() == []
    assert (
        Notification.objects.filter(event="booking.reminder", recipient=owner, channel="in_app").count() == 1
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_sweeps_running_concurrently_change_nothing_more(company, owner, gate):
    slot = make_slot(gate, hours_ahead=1.5, capacity=20)
    bookings = [
        services.booking_create(declaration=make_declaration(company), slot=slot, actor=owner)
        for _ in range(10)
    ]
    results: list[list[int]] = []
    barrier = threading.Barrier(2)

    def sweep() -> None:
        try:
            barrier.wait()
            results.append(services.bookings_send_reminders())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(pk for r in results for pk in r) == sorted(b.pk for b in bookings)
    assert Notification.objects.filter(event="booking.reminder", channel="in_app").count() == 10
