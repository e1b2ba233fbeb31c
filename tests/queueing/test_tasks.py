"""The beat tasks are thin and idempotent (run eagerly here; the real worker test covers delivery)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from queueing import tasks
from queueing.models import BookingState, Slot

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


def test_call_forward_tick_fans_out_to_every_active_gate(gate):
    assert tasks.call_forward_tick.delay().get() == 4
    assert tasks.call_forward.delay(gate.pk).get() == []
    assert tasks.call_forward.delay(999999).get() == []
