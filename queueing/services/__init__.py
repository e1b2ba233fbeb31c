"""Writes of the queueing app: capacity, bookings, the waitlist, the yard, the sweeps.

Every booking transition goes through `cuakhau.transitions.services.fire` inside one
transaction and notifies (after commit) through `notify()`. Callers import from here.
"""

from __future__ import annotations

from .bookings import (
    booking_cancel,
    booking_create,
    booking_rebook,
    waitlist_join,
    waitlist_leave,
    waitlist_offer_freed_place,
)
from .capacity import (
    capacity_override_apply,
    capacity_override_save,
    day_plan,
    slot_close,
    slot_reopen,
    slot_set_capacity,
    slot_shrink,
    slot_update,
    slots_generate,
)
from .sweeps import bookings_close_for_declaration, bookings_mark_no_shows, bookings_send_reminders
from .yard import (
    booking_call,
    booking_check_in,
    booking_depart,
    booking_pass_inspection,
    booking_send_to_inspection,
    call_forward_run,
    check_in_locked,
)

__all__ = [
    "booking_call",
    "booking_cancel",
    "booking_check_in",
    "booking_create",
    "booking_depart",
    "booking_pass_inspection",
    "booking_rebook",
    "booking_send_to_inspection",
    "bookings_close_for_declaration",
    "bookings_mark_no_shows",
    "bookings_send_reminders",
    "call_forward_run",
    "capacity_override_apply",
    "capacity_override_save",
    "check_in_locked",
    "day_plan",
    "slot_close",
    "slot_reopen",
    "slot_set_capacity",
    "slot_shrink",
    "slot_update",
    "slots_generate",
    "waitlist_join",
    "waitlist_leave",
    "waitlist_offer_freed_place",
]
