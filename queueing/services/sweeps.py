"""Beat sweeps: no-shows and reminders; and the reaction to a declaration leaving the game.

Each sweep finds due rows through an index and claims every row it changes (a transition under
a row lock, or a conditional UPDATE), so running it twice or on two workers at once changes
nothing more.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cuakhau.transitions.services import fire
from declarations.models import Declaration

from .. import rules
from ..models import LIVE_BOOKING_STATES, Booking, BookingState, WaitlistEntry, WaitlistState
from ._common import locked_booking, tell, window_text
from .bookings import booking_cancel

REMINDER_BEFORE = dt.timedelta(hours=2)


def bookings_mark_no_shows(*, now: dt.datetime | None = None, limit: int = 500) -> list[int]:
    """Confirmed bookings whose entry window (slot end + the gate's grace) has passed → no_show.

    The place is NOT given back: the slot is over, so there is nothing to free; `booked` keeps
    counting what was reserved, which the dashboard's utilisation needs.
    """
    now = now or timezone.now()
    # The widest grace of any gate bounds the index scan; the exact rule is checked per row.
    due = (
        Booking.objects.filter(state=BookingState.CONFIRMED, slot__end__lt=now)
        .select_related("gate", "slot")
        .only("gate__grace_minutes", "gate__early_margin_minutes", "slot__start", "slot__end")
        .order_by("slot_start")[:limit]
    )
    marked = []
    for row in due:
        if rules.no_show_after(row.gate, row.slot.end) >= now:
            continue
        pk = row.pk
        with transaction.atomic():
            booking = (
                Booking.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("declaration", "declaration__driver", "gate", "vehicle", "slot")
                .filter(pk=pk, state=BookingState.CONFIRMED)
                .first()
            )
            if booking is None:
                continue  # another sweep has it, or it changed meanwhile
            fire(booking, "mark_no_show", actor=None, actor_label="no-show sweep")
            tell(booking, "booking.no_show", dedupe=str(booking.pk))
            marked.append(booking.pk)
    return marked


def bookings_send_reminders(*, now: dt.datetime | None = None, limit: int = 1000) -> list[int]:
    """Remind each confirmed booking once, about 2 hours before its slot.

    The claim is one conditional UPDATE on reminder_sent_at; only the runner whose UPDATE
    changed the row sends, and notify()'s idempotency key guards the rest.
    """
    now = now or timezone.now()
    due = list(
        Booking.objects.filter(
            state=BookingState.CONFIRMED,
            reminder_sent_at__isnull=True,
            slot_start__gt=now,
            slot_start__lte=now + REMINDER_BEFORE,
        ).values_list("pk", flat=True)[:limit]
    )
    sent = []
    for pk in due:
        with transaction.atomic():
            claimed = Booking.objects.filter(
                pk=pk, state=BookingState.CONFIRMED, reminder_sent_at__isnull=True
            ).update(reminder_sent_at=now)
            if not claimed:
                continue
            booking = Booking.objects.select_related(
                "declaration", "declaration__driver", "gate", "vehicle", "slot"
            ).get(pk=pk)
            tell(booking, "booking.reminder", dedupe=f"{booking.slot_id}")
            sent.append(pk)
    return sent


def bookings_close_for_declaration(
    *, declaration: Declaration, actor: Any = None, state: str = "", reason: str = "", departed: bool = False
) -> list[dict[str, Any]]:
    """A declaration ended: close what it holds in the queue (inside the end's transaction).

    1. A confirmed booking is cancelled: its place is freed and offered to the waitlist.
    2. A booking in the yard, at inspection or called to the lane (the declaration was rejected
       or cancelled meanwhile) is withdrawn: the truck leaves without crossing. An expiry never
       gets here with one (`declaration_in_use` holds it); a completion has departed already.
    3. The declaration's waiting waitlist entries leave the lists.
    `departed`: the declaration completed because its booking departed in this transaction; a
    declaration has one live booking at most (a constraint), so none is left to read.
    The owners are told once, by the end; this returns what closed, as message fragments.
    """
    reason = (reason or _("The declaration was closed."))[:200]
    closed: list[dict[str, Any]] = []
    live = Booking.objects.filter(declaration=declaration, state__in=LIVE_BOOKING_STATES).select_related(
        "gate", "vehicle", "slot"
    )
    for booking in () if departed else live:
        fragment = {"plate": booking.vehicle.plate, **_gate_words(booking)}
        if booking.state == BookingState.CONFIRMED:
            booking_cancel(booking=booking, actor=None, actor_label="declaration", reason=reason, quiet=True)
            closed.append({"event": "end.booking_cancelled", **fragment})
        else:
            locked = locked_booking(booking.pk)
            fire(locked, "withdraw", actor=actor, actor_label="declaration", note=reason, reason=reason)
            closed.append({"event": "end.booking_withdrawn", **fragment})
    left = WaitlistEntry.objects.filter(declaration=declaration, state=WaitlistState.WAITING).update(
        state=WaitlistState.LEFT, served_at=timezone.now(), note=reason
    )
    if left:
        closed.append({"event": "end.waitlist_left", "count": left})
    return closed


def _gate_words(booking: Booking) -> dict[str, Any]:
    return {"gate": booking.gate.name, "gate_i18n": booking.gate.names(), "window": window_text(booking.slot)}
