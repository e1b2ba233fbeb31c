"""Writes of the queueing app: bookings, capacity, the yard.

Every booking transition goes through `cuakhau.transitions.services.fire` inside one
transaction, and notifies after commit.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from cuakhau.transitions.services import fire

from .models import Booking


def _locked(booking: Booking) -> Booking:
    """Re-read the booking under a row lock so concurrent actions serialise."""
    return Booking.objects.select_for_update().select_related("declaration", "gate", "vehicle").get(pk=booking.pk)


# --- the yard: kiosk actions and the dispatcher ---------------------------------------------
def booking_check_in(*, booking: Booking, actor: Any = None, actor_label: str = "") -> Booking:
    """Admit the truck to the yard (yard entry scan). Window rules are the kiosk verdict's."""
    with transaction.atomic():
        booking = _locked(booking)
        fire(booking, "check_in", actor=actor, actor_label=actor_label)
    return booking


def booking_send_to_inspection(*, booking: Booking, actor: Any = None, actor_label: str = "") -> Booking:
    with transaction.atomic():
        booking = _locked(booking)
        fire(booking, "send_to_inspection", actor=actor, actor_label=actor_label)
    return booking


def booking_pass_inspection(*, booking: Booking, actor: Any = None, actor_label: str = "", note: str = "") -> Booking:
    with transaction.atomic():
        booking = _locked(booking)
        fire(booking, "pass_inspection", actor=actor, actor_label=actor_label, note=note)
    return booking


def booking_call(*, booking: Booking, actor: Any = None, actor_label: str = "dispatcher") -> Booking:
    """Call the truck from the yard to the border lane."""
    with transaction.atomic():
        booking = _locked(booking)
        fire(booking, "call", actor=actor, actor_label=actor_label)
    return booking


def booking_depart(*, booking: Booking, actor: Any = None, actor_label: str = "") -> Booking:
    """The truck passed the lane scan and crossed."""
    with transaction.atomic():
        booking = _locked(booking)
        fire(booking, "depart", actor=actor, actor_label=actor_label)
    return booking
