"""A scan: look up the truck a read names, decide the verdict (`rules.verdict`), write the GateEvent.

A scan is a handful of small index lookups whatever the size of the history (at most 4 queries,
pinned in tests/kiosk/test_scan.py; measured over HTTP by bench/kiosk_http.py). The lookups are
hand-written statements built once per process (`sql`), compared with their ORM form by
tests/kiosk/test_scan_sql.py:

1. the booking: by ticket (unique index) when the read is a ticket, else the plate's live
   bookings (a partial index of live bookings only), joined with only what the verdict and the
   reply need (slot, declaration, driver, vehicle); the gate is the device's or the kiosk's;
2. only when the plate has no live booking: its exit recorded in the last day, if any (a partial
   index of exits, so neither a truck's years of past trips nor its repeated reads cost anything);
3. only when nothing matched exactly: ONE query for the gate's live bookings whose plate is one
   edit away (`plate_variants(read)`), distinct by plate, offered to staff as candidates;
4. only when the truck is in the yard or at the lane: ONE statement for its fee (the verdict's
   fee rule; a LEFT JOIN on the booking's key) and its place in the queue (a scalar COUNT, the
   queue's order as a row comparison) — never with 2 or 3;
5. the GateEvent row (one INSERT), whose table carries only the indexes that lookups use.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from cuakhau.errors import DomainError
from queueing.models import Booking, BookingState
from queueing.rules import TICKET_PREFIX
from vehicles.models import Gate
from vehicles.plates import canonical_plate, plate_variants, rank_candidates

from .. import rules
from ..models import Device, EventKind, GateEvent
from . import sql

MAX_READ = 200
MAX_CANDIDATES = 8
# A departed truck scanned again within this time is told "already departed", not "no booking".
DEPARTED_LOOKBACK = dt.timedelta(hours=24)


@dataclass
class ScanResult:
    verdict: rules.Verdict
    event: GateEvent
    booking: Booking | None
    candidates: list[str]
    queue_position: int | None


def _with_gate(booking: Booking | None, gate: Gate) -> Booking | None:
    """Give the booking the gate object the caller has, when it is the same gate (no query)."""
    if booking is not None and booking.gate_id == gate.pk:
        booking.gate = gate
    return booking


def _pick(rows: list[Booking], gate: Gate, now: dt.datetime) -> Booking | None:
    """Of a plate's live bookings, the one the gate is dealing with now.

    This gate before another; a truck already in the yard or at the lane before a later
    confirmed trip; then the slot nearest to now.
    """
    if not rows:
        return None
    active = {BookingState.IN_YARD, BookingState.INSPECTION, BookingState.CALLED}
    return min(
        rows,
        key=lambda b: (
            b.gate_id != gate.pk,
            b.state not in active,
            abs((b.slot_start - now).total_seconds()),
        ),
    )


def kiosk_scan(
    *,
    gate: Gate,
    lane: str = "",
    raw: str = "",
    ticket: str = "",
    device: Device | None = None,
    staff: Any = None,
    now: dt.datetime | None = None,
) -> ScanResult:
    """Look up the truck a read names, decide the verdict, write the GateEvent.

    `raw` is what a camera or a keyboard-wedge scanner read: a ticket's QR text when it starts
    with the ticket prefix, else a plate. `ticket` is a ticket named as such; `raw` then is the
    plate the device read with it (checked against the booking). A camera that reads a ticket
    without the plate gets CHECK (plate not seen): a ticket is useless on another truck.
    The caller has authorised the actor at `gate` (see `kiosk_gate`).
    """
    now = now or timezone.now()
    raw = (raw or "").strip()
    ticket = (ticket or "").strip()
    if not raw and not ticket:
        raise DomainError(_("Scan a ticket or enter a plate."), code="empty_read")
    if len(raw) > MAX_READ or len(ticket) > MAX_READ:
        raise DomainError(_("That read is too long to be a plate or a ticket."), code="invalid_read")

    read = raw or ticket  # what was read, as it was read (the event and the message keep it)
    # Our tickets are upper-case base32; a scanner with caps lock on sends them in lower case.
    ticket = ticket.upper() if ticket.upper().startswith(TICKET_PREFIX) else ticket
    if not ticket and raw.upper().startswith(TICKET_PREFIX):
        ticket, raw = raw.upper(), ""
    via_ticket = bool(ticket)
    canonical = canonical_plate(raw)[:40] if raw else ""

    # 1. exact: the ticket, or the plate's live bookings (one index lookup either way)
    if via_ticket:
        booking = _with_gate(sql.booking_by_ticket(ticket[:40]), gate)
        event_plate = canonical or (booking.plate_canonical if booking else "")
    else:
        rows = sql.live_bookings_of_plate(canonical) if canonical else []
        booking = _with_gate(_pick(rows, gate, now) or _recent_departure(canonical, now), gate)
        event_plate = canonical

    # 2. fuzzy: only when the plate matched nothing exactly; never acted on without staff
    candidates: list[str] = []
    if booking is None and not via_ticket and canonical:
        candidates = _candidates(canonical, gate)

    if booking is not None:  # a truck in the yard or at the lane: its fee and queue place
        sql.read_fee_and_place(booking)  # one statement; the verdict's fee rule reads the fee
    verdict = rules.verdict(
        gate=gate,
        booking=booking,
        declaration=booking.declaration if booking else None,
        now=now,
        scanned_plate=raw,
        via_ticket=via_ticket,
        lane_direction=device.direction if device else "",
        candidates=candidates,
        plate_must_be_read=device is not None,
        read=read,
    )
    position = sql.yard_position(booking) if booking is not None else None
    event = sql.insert_event(
        GateEvent(
            kind=EventKind.SCAN,
            gate=gate,
            lane=(device.lane if device else lane or "")[:20],  # a device is bound to its lane
            device=device,
            staff=staff if device is None else None,
            raw=read[:MAX_READ],
            plate_canonical=event_plate,
            ticket=((booking.ticket if booking else ticket) if via_ticket else "")[:40],
            verdict=verdict.verdict,
            reason_code=verdict.reason_code,
            reason=verdict.reason[:300],
            action=verdict.action or "",
            flags=list(verdict.flags),
            candidates=candidates,
            booking=booking,
            created=now,
        )
    )
    return ScanResult(
        verdict=verdict, event=event, booking=booking, candidates=candidates, queue_position=position
    )


def _recent_departure(canonical: str, now: dt.datetime) -> Booking | None:
    """The booking of this plate's exit recorded at a lane in the last day, if any.

    Found through the partial index of exits (gateevent_exit_plate_idx): neither the plate's
    departed bookings nor its many reads are walked. The booking is read only when there is one.
    """
    if not canonical:
        return None
    booking_id = sql.exit_booking_id(canonical, now - DEPARTED_LOOKBACK)
    return sql.booking_by_id(booking_id) if booking_id else None


def _candidates(canonical: str, gate: Gate) -> list[str]:
    """The gate's live bookings' plates one edit away from the read, likeliest first (display form)."""
    variants = plate_variants(canonical)
    if not variants:
        return []
    found = sql.live_plates_at_gate(gate.pk, list(variants))
    return [found[plate] for plate in rank_candidates(canonical, found, variants)][:MAX_CANDIDATES]
