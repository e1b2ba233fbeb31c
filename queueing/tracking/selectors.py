"""Reads of trucks en route: whose trips a person may see or drive, the trucks heading to a
gate, the first slot a late truck can reach, and the expected arrivals the wait estimate uses."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from queueing.models import LIVE_BOOKING_STATES, Booking, BookingState, Slot
from queueing.rules import entry_window
from queueing.selectors import ExpectedArrival
from vehicles.models import CompanyMember, Gate
from vehicles.selectors import gate_ids_for_user

from .models import TrackingConsent, TripEstimate

# A truck whose last fix is older than this is no longer shown as en route (phone closed, out
# of coverage); its estimate stays until the trip ends.
EN_ROUTE_FRESH = dt.timedelta(hours=2)


def company_trips(actor: Any) -> QuerySet[Booking]:
    """Live bookings of the actor's company (a fleet system's token, an operator)."""
    return Booking.objects.filter(
        state__in=LIVE_BOOKING_STATES,
        company_id__in=CompanyMember.objects.filter(user_id=actor.pk).values("company_id"),
    )


def drivable_trips(actor: Any) -> QuerySet[Booking]:
    """Confirmed bookings the actor may report positions for from a phone: their company's, or
    those whose declaration names them as the driver."""
    if not getattr(actor, "is_authenticated", False):
        return Booking.objects.none()
    mine = Q(company_id__in=CompanyMember.objects.filter(user_id=actor.pk).values("company_id")) | Q(
        declaration__driver__user_id=actor.pk
    )
    return (
        Booking.objects.filter(mine, state=BookingState.CONFIRMED)
        .select_related("gate", "slot", "vehicle", "declaration")
        .order_by("slot_start", "id")
    )


def has_consent(*, user: Any, booking: Booking) -> bool:
    return TrackingConsent.objects.filter(user_id=user.pk, booking_id=booking.pk).exists()


def estimate_for(booking: Booking) -> TripEstimate | None:
    return TripEstimate.objects.filter(booking_id=booking.pk).first()


def first_reachable_slot(
    booking: Booking, eta: dt.datetime, *, now: dt.datetime | None = None
) -> Slot | None:
    """The earliest open slot with room, at the booking's gate and direction, whose yard entry
    window is still open when the truck arrives (slot end + grace ≥ eta) and that can be booked
    (it starts in the future)."""
    now = now or timezone.now()
    gate = booking.gate
    candidates = (
        Slot.objects.filter(
            gate_id=gate.pk,
            direction=booking.slot.direction,
            is_closed=False,
            start__gt=now,
            end__gte=eta - dt.timedelta(minutes=gate.grace_minutes),
            booked__lt=F("capacity"),
        )
        .exclude(pk=booking.slot_id)
        .order_by("start")
    )
    for slot in candidates[:5]:
        if entry_window(gate, slot.start, slot.end)[1] >= eta:
            return slot
    return None


def en_route(gate: Gate, *, now: dt.datetime | None = None) -> QuerySet[TripEstimate]:
    """Confirmed trucks heading to `gate` with a recent fix, nearest first."""
    now = now or timezone.now()
    return (
        TripEstimate.objects.filter(
            gate=gate, booking__state=BookingState.CONFIRMED, last_fix_at__gte=now - EN_ROUTE_FRESH
        )
        .select_related("booking", "booking__slot", "booking__vehicle")
        .order_by("distance_km")
    )


def may_see_gate(user: Any, gate: Gate) -> bool:
    """Staff of the destination gate (and superusers) see the trucks heading to it."""
    return getattr(user, "is_superuser", False) or gate.pk in gate_ids_for_user(user)


def expected_arrival(gate: Gate, booking: Booking, now: dt.datetime) -> ExpectedArrival | None:
    """For the wait estimate: when this booked truck reaches the yard (its arrival estimate, not
    before its entry window opens) and how many trucks en route should reach it first."""
    estimate = estimate_for(booking)
    if estimate is None:
        return None
    opens = entry_window(gate, booking.slot_start, booking.slot_start)[0]
    at = max(estimate.eta, opens, now)
    ahead = (
        TripEstimate.objects.filter(
            gate=gate, booking__state=BookingState.CONFIRMED, eta__gte=now, eta__lt=at
        )
        .exclude(booking_id=booking.pk)
        .count()
    )
    return ExpectedArrival(at=at, ahead=ahead)
