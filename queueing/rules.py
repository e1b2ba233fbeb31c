"""The queueing rules, one function each: the ticket, the yard entry window, the local day,
readiness for the lane. Every caller (services, kiosk verdict, portal, API) uses these."""

from __future__ import annotations

import base64
import datetime as dt
import secrets
from zoneinfo import ZoneInfo

from django.db.models import Q

from declarations.models import Channel, Declaration, DeclarationState
from vehicles.models import Gate

from .models import Booking

TICKET_PREFIX = "CK1-"


def new_ticket() -> str:
    """An unguessable ASCII ticket: 80 random bits in base32 (QR readers keep ASCII intact)."""
    return TICKET_PREFIX + base64.b32encode(secrets.token_bytes(10)).decode("ascii")


def gate_zone(gate: Gate) -> ZoneInfo:
    return ZoneInfo(gate.timezone or "Asia/Ho_Chi_Minh")


def local_day_bounds(gate: Gate, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of a calendar day at the gate, as aware datetimes."""
    zone = gate_zone(gate)
    start = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
    return start, start + dt.timedelta(days=1)


def parse_day(text: str) -> dt.date:
    """A calendar day from `YYYY-MM-DD`; ValueError for anything else, including the last day of
    the calendar, whose end (`local_day_bounds`) does not exist."""
    day = dt.date.fromisoformat(text)
    if day >= dt.date.max:
        raise ValueError(text)
    return day


def local_date(gate: Gate, moment: dt.datetime) -> dt.date:
    return moment.astimezone(gate_zone(gate)).date()


def entry_window(
    gate: Gate, slot_start: dt.datetime, slot_end: dt.datetime
) -> tuple[dt.datetime, dt.datetime]:
    """Yard entry is allowed from slot start minus the early margin to slot end plus the grace."""
    return (
        slot_start - dt.timedelta(minutes=gate.early_margin_minutes),
        slot_end + dt.timedelta(minutes=gate.grace_minutes),
    )


def no_show_after(gate: Gate, slot_end: dt.datetime) -> dt.datetime:
    """A confirmed booking not checked in by then is a no-show (the entry window has closed)."""
    return entry_window(gate, slot_end, slot_end)[1]


def inspection_required_at_booking(declaration: Declaration) -> bool:
    """A booking starts out needing a physical inspection when its declaration is red."""
    return declaration.channel == Channel.RED


def needs_inspection(booking: Booking, declaration: Declaration | None = None) -> bool:
    """The truck must pass a physical inspection before release and has not yet: the gate asked
    for one, or the declaration is in the red channel. `needs_inspection_q` is the same rule as
    a filter (tests keep the two in agreement)."""
    declaration = declaration if declaration is not None else booking.declaration
    required = booking.inspection_required or declaration.channel == Channel.RED
    return required and booking.inspection_passed_at is None


def needs_inspection_q() -> Q:
    """`needs_inspection` as a filter on bookings."""
    required = Q(inspection_required=True) | Q(declaration__channel=Channel.RED)
    return required & Q(inspection_passed_at__isnull=True)


def ready_for_lane_q() -> Q:
    """Bookings in the yard that may be called: declaration cleared, and no inspection owed."""
    return Q(declaration__state=DeclarationState.CLEARED) & ~needs_inspection_q()
