"""Reads of the queueing app: slots with room, the yard queue, queue positions, wait estimates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Max, Min, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from vehicles.models import Gate

from . import rules
from .models import Booking, BookingState, PartnerAcceptance, Slot

YARD_STATES = (BookingState.IN_YARD, BookingState.INSPECTION)
# The one yard order: perishable first, then slot start, then check-in time (id breaks ties).
YARD_ORDER = ("-perishable", "slot_start", "checked_in_at", "id")


def slots_for_day(gate: Gate, day: dt.date, direction: str | None = None) -> QuerySet[Slot]:
    start, end = rules.local_day_bounds(gate, day)
    qs = Slot.objects.filter(gate=gate, start__gte=start, start__lt=end).select_related("gate")
    if direction:
        qs = qs.filter(direction=direction)
    return qs.order_by("start", "direction")


def bookings_for_user(user: Any) -> QuerySet[Booking]:
    """An operator's own company's bookings; nobody else's."""
    from vehicles.selectors import company_for_user

    company = company_for_user(user)
    if company is None:
        return Booking.objects.none()
    return Booking.objects.filter(company=company).select_related("slot", "gate", "vehicle", "declaration")


def yard_queue(gate: Gate) -> QuerySet[Booking]:
    """Trucks waiting in the yard of a gate, in the order they go to the lane."""
    return Booking.objects.filter(gate=gate, state__in=YARD_STATES).order_by(*YARD_ORDER)


def queue_position(booking: Booking) -> int | None:
    """1-based place in the yard queue, None when not in the yard; one COUNT query.

    Counts the yard bookings that sort strictly before this one in YARD_ORDER.
    """
    if booking.state not in YARD_STATES or booking.checked_in_at is None:
        return None
    p, s, c = booking.perishable, booking.slot_start, booking.checked_in_at
    ahead = (
        Q(perishable=p, slot_start__lt=s)
        | Q(perishable=p, slot_start=s, checked_in_at__lt=c)
        | Q(perishable=p, slot_start=s, checked_in_at=c, pk__lt=booking.pk)
    )
    if not p:
        ahead |= Q(perishable=True)  # every perishable truck goes first
    return Booking.objects.filter(ahead, gate_id=booking.gate_id, state__in=YARD_STATES).count() + 1


def queue_positions(bookings: Iterable[Booking]) -> dict[int, int]:
    """queue_position of many bookings (a page of a list) in ONE query: {booking id: place}.

    Ranks the yards of their gates in YARD_ORDER with a window function; bookings not in a yard
    are absent (their position is None, as queue_position says).
    """
    in_yard = {b.pk: b.gate_id for b in bookings if b.state in YARD_STATES and b.checked_in_at is not None}
    if not in_yard:
        return {}
    ranked = (
        Booking.objects.filter(gate_id__in=set(in_yard.values()), state__in=YARD_STATES)
        .annotate(
            position=Window(
                RowNumber(),
                partition_by=[F("gate_id")],
                order_by=[
                    F("perishable").desc(),
                    F("slot_start").asc(),
                    F("checked_in_at").asc(),
                    F("id").asc(),
                ],
            )
        )
        .order_by()
        .values_list("pk", "position")
    )
    return {pk: position for pk, position in ranked if pk in in_yard}


def called_today(gate: Gate) -> int:
    """Trucks released to the lane today at this gate (called, and those that already crossed)."""
    start, end = rules.local_day_bounds(gate, timezone.localdate(timezone=rules.gate_zone(gate)))
    return Booking.objects.filter(gate=gate, called_at__gte=start, called_at__lt=end).count()


@dataclass(frozen=True)
class WaitEstimate:
    position: int | None  # in the yard queue (None: not in the yard; then ahead = yard size)
    ahead: int
    rate_per_hour: float | None  # trucks released per hour used for the estimate
    basis: str  # "partner" (today's acceptance figure), "observed" (last 2 h of calls), "none"
    minutes: int | None
    remaining_today: int | None  # places the partner side still accepts today
    beyond_today: bool  # the partner side will not take this truck today at the set figure


def wait_estimate(
    gate: Gate, booking: Booking | None = None, *, now: dt.datetime | None = None
) -> WaitEstimate:
    """An honest wait: trucks ahead ÷ the rate the gate can really release them.

    rate = today's partner acceptance spread over today's opening hours (the partner's pace), when
    a figure is set; else the calls actually made in the last 2 hours; else no estimate at all
    (better none than a wrong one). When more trucks are ahead than the partner still accepts
    today, the estimate says so instead of promising a time.
    """
    now = now or timezone.now()
    position = queue_position(booking) if booking is not None else None
    ahead = (position - 1) if position else yard_queue(gate).count()
    today = timezone.localdate(timezone=rules.gate_zone(gate))
    accepted = (
        PartnerAcceptance.objects.filter(gate=gate, date=today).values_list("accepted", flat=True).first()
    )
    remaining = None
    rate = None
    basis = "none"
    if accepted is not None:
        remaining = max(accepted - called_today(gate), 0)
        day_start, day_end = rules.local_day_bounds(gate, today)
        hours = Slot.objects.filter(gate=gate, start__gte=day_start, start__lt=day_end).aggregate(
            first=Min("start"), last=Max("end")
        )
        open_hours = (hours["last"] - hours["first"]).total_seconds() / 3600 if hours["first"] else 24.0
        # The partner side's pace over the day, not the rest of it squeezed into the last hour:
        # late in the day the remaining figure would otherwise promise an impossible rate.
        rate = accepted / max(open_hours, 1.0) if remaining else 0.0
        basis = "partner"
    else:
        recent = Booking.objects.filter(gate=gate, called_at__gte=now - dt.timedelta(hours=2)).count()
        if recent:
            rate = recent / 2
            basis = "observed"
    beyond = remaining is not None and ahead + 1 > remaining
    minutes = None
    if rate and not beyond:
        minutes = round((ahead + 1) / rate * 60)
    return WaitEstimate(position, ahead, rate, basis, minutes, remaining, beyond)
