"""The beat tasks are thin and idempotent (run eagerly here; the real worker test covers delivery)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from queueing import tasks
from queueing.models import Booking, BookingState, Slot
from tests import factories

from .test_yard_and_call_forward import yard_booking

pytestmark = pytest.mark.django_db


def test_generate_slots_task_fills_the_next_days_once():
    assert tasks.generate_slots.delay(2).get() > 0
    count = Slot.objects.count()
    assert tasks.generate_slots.delay(2).get() == 0
    assert Slot.objects.count() == count


def test_no_show_and_reminder_tasks_are_idempotent(booking, gate):
    with time_machine.travel(booking.slot_start - dt.timedelta(hours=1), tick=False):
        assert tasks.send_slot_reminders.delay().get() == 1
        assert tasks.send_slot_reminders.delay().get() == 0
    with time_machine.travel(booking.slot.end + dt.timedelta(minutes=gate.grace_minutes + 5), tick=False):
        assert tasks.no_show_sweep.delay().get() == 1
        assert tasks.no_show_sweep.delay().get() == 0
    booking.refresh_from_db()
    assert booking.state == BookingState.NO_SHOW


def test_call_forward_tick_fans_out_to_every_active_gate(company, owner, gate):
    tan_thanh = factories.gate("TAN_THANH")
    ready = [yard_booking(company, owner, g) for g in (gate, tan_thanh)]
    assert tasks.call_forward_tick.delay().get() == 4  # the four seeded gates are active
    assert [Booking.objects.get(pk=b.pk).state for b in ready] == [BookingState.CALLED] * 2
    assert tasks.call_forward.delay(gate.pk).get() == []  # nobody left in the yard
    assert tasks.call_forward.delay(999999).get() == []  # a gate that does not exist


def test_call_forward_task_calls_the_ready_trucks_of_its_gate_only(company, owner, gate):
    here = yard_booking(company, owner, gate)
    there = yard_booking(company, owner, factories.gate("TAN_THANH"))
    assert tasks.call_forward.delay(gate.pk).get() == [here.pk]
    assert Booking.objects.get(pk=there.pk).state == BookingState.IN_YARD
