"""The yard: kiosk actions (check-in, inspection, departure) and the dispatcher's call-forward."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cuakhau.errors import Conflict
from cuakhau.transitions.permissions import require_transition
from cuakhau.transitions.services import fire
from declarations.models import LIVE_FOR_BOOKING
from declarations.services import declaration_complete
from vehicles.models import Gate

from .. import rules, selectors
from ..models import Booking, BookingState
from ._common import locked_booking, tell


def _held(booking: Booking, locked: bool) -> Booking:
    """The booking under its row lock: re-read and locked here, or, with `locked`, the caller's
    own (it holds the lock in its transaction, e.g. the kiosk action, so nothing is read again)."""
    return booking if locked else locked_booking(booking.pk)


def _atomic(locked: bool) -> transaction.Atomic:
    """A caller that holds the lock runs this inside its own transaction, which commits or rolls
    back the whole of it: no savepoint of our own (a failure here is never caught and continued)."""
    return transaction.atomic(savepoint=not locked)


def check_in_locked(booking: Booking, *, actor: Any = None, actor_label: str = "") -> int | None:
    """Admit a booking whose row lock the caller holds, inside the caller's transaction; returns
    the queue number the driver was told (`booking_check_in` is the one to call otherwise)."""
    opens, closes = rules.entry_window(booking.gate, booking.slot.start, booking.slot.end)
    now = timezone.now()
    if booking.state == BookingState.CONFIRMED and not opens <= now <= closes:
        raise Conflict(
            _("Outside the yard entry window (%(opens)s–%(closes)s).")
            % {
                "opens": f"{timezone.localtime(opens):%H:%M}",
                "closes": f"{timezone.localtime(closes):%H:%M}",
            },
            code="outside_window",
        )
    if booking.declaration.state not in LIVE_FOR_BOOKING:
        raise Conflict(
            _("The declaration is %(state)s.") % {"state": booking.declaration.get_state_display()},
            code="declaration_not_bookable",
        )
    require_transition(booking, "check_in", actor)
    fire(booking, "check_in", actor=actor, actor_label=actor_label)
    position = selectors.queue_position(booking)
    tell(booking, "booking.checked_in", dedupe=str(booking.pk), queue_position=position)
    return position


def booking_check_in(*, booking: Booking, actor: Any = None, actor_label: str = "") -> Booking:
    """Admit the truck to the yard (yard entry scan), inside its entry window; tell the driver
    their queue number."""
    with transaction.atomic():
        booking = locked_booking(booking.pk)
        check_in_locked(booking, actor=actor, actor_label=actor_label)
    return booking


def booking_send_to_inspection(
    *, booking: Booking, actor: Any = None, actor_label: str = "", locked: bool = False
) -> Booking:
    with _atomic(locked):
        booking = _held(booking, locked)
        require_transition(booking, "send_to_inspection", actor)
        fire(booking, "send_to_inspection", actor=actor, actor_label=actor_label)
    return booking


def booking_pass_inspection(
    *, booking: Booking, actor: Any = None, actor_label: str = "", note: str = "", locked: bool = False
) -> Booking:
    with _atomic(locked):
        booking = _held(booking, locked)
        require_transition(booking, "pass_inspection", actor)
        fire(booking, "pass_inspection", actor=actor, actor_label=actor_label, note=note)
    return booking


def booking_call(
    *, booking: Booking, actor: Any = None, actor_label: str = "dispatcher", locked: bool = False
) -> Booking:
    """Call the truck from the yard to the border lane, and tell its driver."""
    with _atomic(locked):
        booking = _held(booking, locked)
        require_transition(booking, "call", actor)
        fire(booking, "call", actor=actor, actor_label=actor_label)
        tell(booking, "booking.called", dedupe=str(booking.pk))
    return booking


def booking_depart(
    *,
    booking: Booking,
    actor: Any = None,
    actor_label: str = "",
    locked: bool = False,
    declaration_locked: bool = False,
) -> Booking:
    """The truck passed the lane scan and crossed: the booking departs, the declaration completes.

    With `locked` the caller holds the booking's row lock in its transaction; with
    `declaration_locked` also its declaration's (`locked_booking(..., lock_declaration=True)`):
    what is held is not read again.
    """
    with _atomic(locked):
        booking = _held(booking, locked)
        require_transition(booking, "depart", actor)
        fire(booking, "depart", actor=actor, actor_label=actor_label)
        # The one live booking of the declaration (a constraint) has just departed: nothing of the
        # queue is left to close but its waitlist entries.
        declaration_complete(
            declaration=booking.declaration,
            actor=actor,
            actor_label=actor_label or "lane",
            locked=locked and declaration_locked,
            departed=True,
        )
    return booking


def _lock_gate(gate_id: int) -> None:
    """Serialise call-forward per gate: two runners never count the day's releases at once."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Namespaced key (0x434B = "CK") so no other advisory lock of the project collides.
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [0x434B, gate_id])
    else:
        # SQLite: the IMMEDIATE transaction already holds the database's write lock.
        list(Gate.objects.select_for_update().filter(pk=gate_id).values_list("pk", flat=True))


def call_forward_interval() -> dt.timedelta:
    """The lane's interval: gate.lane_release_per_tick trucks at most per this much time."""
    return dt.timedelta(seconds=settings.CALL_FORWARD_INTERVAL_SECONDS)


def call_forward_run(*, gate: Gate) -> list[int]:
    """Release the next ready trucks of the yard to the lane; returns the called booking ids.

    1. Take the gate's lock (advisory on PostgreSQL), so concurrent runners queue up.
    2. Budget = min(gate.lane_release_per_tick − called in the last interval,
                    partner acceptance today − already called today).
    3. Pick ready trucks in yard-queue order, locking them with SKIP LOCKED (a truck a kiosk is
       touching right now waits for the next tick), call each and tell its driver.
    """
    with transaction.atomic():
        _lock_gate(gate.pk)
        # Counted over the interval, not per run: a duplicate or concurrent run of the same tick
        # finds the lane's share already used. The gate as it is now comes with the counts.
        since = timezone.now() - call_forward_interval()
        gate, called_since, partner = selectors.call_forward_figures(gate, since)
        budget = gate.lane_release_per_tick - called_since
        if partner is not None:
            budget = min(budget, partner[1])
        if budget <= 0:
            return []
        candidates = list(
            selectors.yard_queue(gate)
            .filter(Q(state=BookingState.IN_YARD) & rules.ready_for_lane_q())
            .select_related("declaration", "declaration__driver", "vehicle", "slot", "gate")
            .select_for_update(skip_locked=True, of=("self",))[:budget]
        )
        called = []
        for booking in candidates:
            fire(booking, "call", actor=None, actor_label="call-forward")
            tell(booking, "booking.called", dedupe=str(booking.pk))
            called.append(booking.pk)
        return called
