"""Reads of the queueing app: slots with room, the yard queue, queue positions, wait estimates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, cast

from django.db.models import Count, F, Max, Min, OuterRef, Q, QuerySet, Subquery, Sum, Window
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from declarations.models import DeclarationState
from vehicles.models import Gate
from vehicles.selectors import company_for_user

from . import rules
from .models import LIVE_BOOKING_STATES, Booking, BookingState, PartnerAcceptance, Slot

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


def _partner_remaining(accepted: int | None, called: int) -> tuple[int, int] | None:
    return None if accepted is None else (accepted, max(accepted - called, 0))


def partner_remaining_today(gate: Gate) -> tuple[int, int] | None:
    """The partner side's figure for the gate's today and how many of it are left
    (accepted − released today, never below 0); None when no figure is set for today.
    The one home of this budget: call-forward caps its releases by it (`call_forward_figures`,
    the same figures in its one statement), the wait estimate paces by it."""
    today = timezone.localdate(timezone=rules.gate_zone(gate))
    accepted = (
        PartnerAcceptance.objects.filter(gate=gate, date=today).values_list("accepted", flat=True).first()
    )
    if accepted is None:
        return None
    return _partner_remaining(accepted, called_today(gate))


def _count(qs: QuerySet[Booking]) -> Subquery:
    return Subquery(qs.order_by().values("gate_id").annotate(n=Count("pk")).values("n"))


def call_forward_figures(gate: Gate, since: dt.datetime) -> tuple[Gate, int, tuple[int, int] | None]:
    """What call-forward decides by, in ONE statement: the gate as it is now, the trucks it
    called since `since`, and `partner_remaining_today` (the same figures)."""
    today = timezone.localdate(timezone=rules.gate_zone(gate))
    start, end = rules.local_day_bounds(gate, today)
    at_gate = Booking.objects.filter(gate=OuterRef("pk"))
    row = (
        Gate.objects.filter(pk=gate.pk)
        .annotate(
            called_since=Coalesce(_count(at_gate.filter(called_at__gt=since)), 0),
            called_today=Coalesce(_count(at_gate.filter(called_at__gte=start, called_at__lt=end)), 0),
            accepted=Subquery(
                PartnerAcceptance.objects.filter(gate=OuterRef("pk"), date=today)
                .order_by()
                .values("accepted")[:1]
            ),
        )
        .get()
    )
    figures = cast(Any, row)
    return row, figures.called_since, _partner_remaining(figures.accepted, figures.called_today)


@dataclass(frozen=True)
class ExpectedArrival:
    """When a booked truck should reach the yard, and how many trucks should reach it before."""

    at: dt.datetime
    ahead: int


# Arrivals are known by a floor above (queueing.tracking); it connects its source here.
ArrivalSource = Callable[[Gate, Booking, dt.datetime], "ExpectedArrival | None"]
_arrival_sources: list[ArrivalSource] = []


def register_arrival_source(source: ArrivalSource) -> None:
    if source not in _arrival_sources:
        _arrival_sources.append(source)


def expected_arrival(gate: Gate, booking: Booking, now: dt.datetime) -> ExpectedArrival | None:
    for source in _arrival_sources:
        found = source(gate, booking, now)
        if found is not None:
            return found
    return None


@dataclass(frozen=True)
class WaitEstimate:
    position: int | None  # in the yard queue (None: not in the yard; then ahead = yard size)
    ahead: int
    rate_per_hour: float | None  # trucks released per hour used for the estimate
    basis: str  # "partner" (today's acceptance figure), "observed" (last 2 h of calls), "none"
    minutes: int | None
    remaining_today: int | None  # places the partner side still accepts today
    beyond_today: bool  # the partner side will not take this truck today at the set figure
    arriving: int = 0  # trucks en route expected in the yard before this one
    arrives_at: dt.datetime | None = None  # when this truck (not yet in the yard) is expected


def wait_estimate(
    gate: Gate, booking: Booking | None = None, *, now: dt.datetime | None = None
) -> WaitEstimate:
    """An honest wait: trucks ahead ÷ the rate the gate can really release them.

    rate = today's partner acceptance spread over today's opening hours (the partner's pace), when
    a figure is set; else the calls actually made in the last 2 hours; else no estimate at all
    (better none than a wrong one). When more trucks are ahead than the partner still accepts
    today, the estimate says so instead of promising a time.

    A booked truck still on the road (a known arrival estimate) also has ahead of it the trucks
    en route expected before it, less those the gate releases until it arrives (at the rate).
    """
    now = now or timezone.now()
    position = queue_position(booking) if booking is not None else None
    ahead = (position - 1) if position else yard_queue(gate).count()
    arrival = (
        expected_arrival(gate, booking, now)
        if booking is not None and booking.state == BookingState.CONFIRMED
        else None
    )
    today = timezone.localdate(timezone=rules.gate_zone(gate))
    partner = partner_remaining_today(gate)
    remaining = None
    rate = None
    basis = "none"
    if partner is not None:
        accepted, remaining = partner
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
    if arrival is not None:
        released = int((rate or 0.0) * max((arrival.at - now).total_seconds(), 0.0) / 3600)
        ahead = max(ahead + arrival.ahead - released, 0)
    beyond = remaining is not None and ahead + 1 > remaining
    minutes = None
    if rate and not beyond:
        minutes = round((ahead + 1) / rate * 60)
    return WaitEstimate(
        position,
        ahead,
        rate,
        basis,
        minutes,
        remaining,
        beyond,
        arriving=arrival.ahead if arrival else 0,
        arrives_at=arrival.at if arrival else None,
    )


@dataclass(frozen=True)
class TicketNotice:
    code: str  # "cleared", "waiting_for_clearance", "returned", "closed"
    text: str


def ticket_notice(booking: Booking) -> TicketNotice:
    """What a ticket says about crossing now (the page, the PNG and the PDF all show this)."""
    state = booking.declaration.state
    if booking.state not in LIVE_BOOKING_STATES:
        return TicketNotice(
            "closed",
            _("No longer valid: the booking is %(state)s.") % {"state": booking.get_state_display()},
        )
    if state == DeclarationState.CLEARED:
        return TicketNotice("cleared", _("Cleared: show this ticket at the yard entry."))
    if state == DeclarationState.RETURNED:
        return TicketNotice(
            "returned",
            _("Waiting for clearance: an agency asked for information; answer it in the portal."),
        )
    return TicketNotice(
        "waiting_for_clearance",
        _("Waiting for clearance: the truck crosses only once every agency has approved."),
    )


@dataclass(frozen=True)
class TicketFacts:
    """What a ticket shows, in the reader's language; the page, ticket.png and ticket.pdf agree."""

    plate: str
    gate: str
    direction: str
    day: str  # 2026-12-01 (Tue)
    time: str  # 09:00–10:00
    entry: str  # the yard entry window, 08:00–10:30
    number: str
    ticket: str
    notice: TicketNotice


def ticket_facts(booking: Booking) -> TicketFacts:
    zone = rules.gate_zone(booking.gate)
    start, end = booking.slot.start.astimezone(zone), booking.slot.end.astimezone(zone)
    opens, closes = (
        moment.astimezone(zone)
        for moment in rules.entry_window(booking.gate, booking.slot.start, booking.slot.end)
    )

    return TicketFacts(
        plate=booking.vehicle.plate,
        gate=booking.gate.display_name,
        direction=str(booking.slot.get_direction_display()),
        day=f"{start:%Y-%m-%d} ({date_format(start, 'D')})",
        time=f"{start:%H:%M}–{end:%H:%M}",
        entry=f"{opens:%H:%M}–{closes:%H:%M}",
        number=booking.declaration.number,
        ticket=booking.ticket,
        notice=ticket_notice(booking),
    )


@dataclass(frozen=True)
class DayOutlook:
    """A future day at a gate: the queue already booked and what the partner side will accept."""

    day: dt.date
    booked: int  # live bookings of that day (every direction)
    capacity: int  # places of that day's open slots
    accepted: int | None  # the partner side's figure for that day, when a manager set one
    beyond: int  # booked trucks the partner side will not take that day at that figure


def day_outlook(gate: Gate, day: dt.date) -> DayOutlook:
    """The queue of a future day as booked so far; honest about the partner's acceptance."""
    start, end = rules.local_day_bounds(gate, day)
    booked = Booking.objects.filter(
        gate=gate, slot_start__gte=start, slot_start__lt=end, state__in=LIVE_BOOKING_STATES
    ).count()
    capacity = (
        Slot.objects.filter(gate=gate, start__gte=start, start__lt=end, is_closed=False).aggregate(
            total=Sum("capacity")
        )["total"]
        or 0
    )
    accepted = (
        PartnerAcceptance.objects.filter(gate=gate, date=day).values_list("accepted", flat=True).first()
    )
    beyond = max(booked - accepted, 0) if accepted is not None else 0
    return DayOutlook(day, booked, capacity, accepted, beyond)


def slots_page_estimate(gate: Gate, day: dt.date) -> tuple[str, Any]:
    """What the slot picker shows for the day picked: ("live", today's wait from the yard queue),
    ("day", a future day's outlook) or ("past", None)."""
    today = timezone.localdate(timezone=rules.gate_zone(gate))
    if day == today:
        return "live", wait_estimate(gate)
    if day > today:
        return "day", day_outlook(gate, day)
    return "past", None
