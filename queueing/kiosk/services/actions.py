"""The one action a scan's verdict allowed (admit, inspect, release, exit), checked again under
the booking's row lock and done by the yard service it means."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cuakhau.errors import Conflict, DomainError, NotFound
from queueing import services as yard
from queueing.models import Booking, BookingState
from queueing.selectors import queue_position
from queueing.services._common import locked_booking

from .. import rules
from ..models import Actions, Device, EventKind, GateEvent, Verdicts
from .authorisation import kiosk_authorise

# A verdict is acted on soon after it was given, or the truck is scanned again.
SCAN_MAX_AGE = dt.timedelta(minutes=10)


@dataclass
class ActionResult:
    booking: Booking
    event: GateEvent
    queue_position: int | None


def _perform(action: str, booking: Booking, actor: Any, label: str) -> tuple[Booking, int | None]:
    """The one yard service each action means (the queueing app owns them), on the booking
    `_recheck` locked in this action's transaction: they neither lock it again nor take a
    savepoint of their own, and a failure rolls the whole action back. Returns the booking and,
    for an admission, the queue number the driver was told."""
    if action == Actions.ADMIT:
        return booking, yard.check_in_locked(booking, actor=actor, actor_label=label)
    if action == Actions.INSPECT and booking.state == BookingState.IN_YARD:
        booking = yard.booking_send_to_inspection(
            booking=booking, actor=actor, actor_label=label, locked=True
        )
    elif action == Actions.INSPECT:
        booking = yard.booking_pass_inspection(booking=booking, actor=actor, actor_label=label, locked=True)
    elif action == Actions.RELEASE:
        booking = yard.booking_call(booking=booking, actor=actor, actor_label=label, locked=True)
    elif action == Actions.EXIT:
        booking = yard.booking_depart(
            booking=booking, actor=actor, actor_label=label, locked=True, declaration_locked=True
        )
    else:
        raise DomainError(_("Unknown action."), code="invalid_action")
    return booking, queue_position(booking)


def kiosk_action(
    *,
    event_id: int,
    action: str,
    device: Device | None = None,
    staff: Any = None,
    now: dt.datetime | None = None,
) -> ActionResult:
    """Do the one action a scan's verdict allowed, after checking it is still allowed.

    1. The scan must exist, be recent, be at a gate the actor works at, have allowed exactly
       this action, and not have been acted on already (one scan, one action).
    2. Under the booking's row lock the verdict is decided again from the current state (the
       truck may have been admitted, called or cancelled since); it must still allow it.
    3. The yard service fires the transition; a GateEvent records the action.
    Anything else is a 409 and changes nothing (the refusal is logged as a GateEvent too).
    """
    now = now or timezone.now()
    if action not in Actions.values:
        raise DomainError(_("Unknown action."), code="invalid_action")
    scan = (
        GateEvent.objects.select_related("gate", "device").filter(pk=event_id, kind=EventKind.SCAN).first()
        if str(event_id).isdigit()
        else None
    )
    if scan is None:
        raise NotFound(_("No such scan."))
    kiosk_authorise(gate=scan.gate, device=device, staff=staff)
    actor = staff if device is None else None
    label = device.label if device is not None else ""
    try:
        with transaction.atomic():
            booking = _recheck(scan, action, device, now)
            booking, position = _perform(action, booking, actor, label)
            event = _action_event(
                scan,
                action,
                device=device,
                staff=actor,
                now=now,
                plate_canonical=booking.plate_canonical,
                verdict=scan.verdict,
                reason_code=scan.reason_code,
                reason=scan.reason,
                booking=booking,
                state_after=booking.state,
            )
    except Conflict as exc:
        _action_event(
            scan,
            action,
            device=device,
            staff=actor,
            now=now,
            plate_canonical=scan.plate_canonical,
            verdict=Verdicts.DENY,
            reason_code="action_refused",
            reason=str(exc.detail)[:300],
            booking_id=scan.booking_id,
        )
        raise
    return ActionResult(booking=booking, event=event, queue_position=position)


def _action_event(
    scan: GateEvent, action: str, *, device: Device | None, staff: Any, now: dt.datetime, **fields: Any
) -> GateEvent:
    """The GateEvent of an action on `scan`, performed or refused."""
    return GateEvent.objects.create(
        kind=EventKind.ACTION,
        gate=scan.gate,
        lane=(device.lane if device else scan.lane)[:20],
        device=device,
        staff=staff,
        raw=scan.raw,
        ticket=scan.ticket,
        action=action,
        scan=scan,
        created=now,
        **fields,
    )


def _recheck(scan: GateEvent, action: str, device: Device | None, now: dt.datetime) -> Booking:
    if scan.booking_id is None:
        raise Conflict(
            _("No booking was identified by this scan: confirm the plate first."), code="no_booking"
        )
    if scan.action != action:
        raise Conflict(_("The verdict of this scan did not allow that action."), code="action_not_allowed")
    if now - scan.created > SCAN_MAX_AGE:
        raise Conflict(_("This scan is too old: scan the truck again."), code="stale_scan")
    # The verdict of a release or an exit asks whether the fee is paid; an exit completes the
    # declaration, whose row it locks with the booking's.
    booking = locked_booking(
        scan.booking_id,
        gate=scan.gate,
        with_fee=action in (Actions.RELEASE, Actions.EXIT),
        lock_declaration=action == Actions.EXIT,
    )
    # One scan, one action: "inspect" both sends to inspection and records its result, so a
    # repeated request on the same scan would otherwise pass an inspection nobody made. Checked
    # under the booking's row lock, which every action on it takes.
    if scan.actions.exclude(state_after="").exists():
        raise Conflict(_("This scan was already acted on: scan the truck again."), code="scan_used")
    verdict = rules.verdict(
        gate=scan.gate,
        booking=booking,
        declaration=booking.declaration,
        now=now,
        scanned_plate=scan.plate_canonical if scan.ticket else "",
        via_ticket=bool(scan.ticket),
        lane_direction=device.direction if device else (scan.device.direction if scan.device else ""),
    )
    if verdict.action != action:
        raise Conflict(
            _("Not allowed any more: %(reason)s") % {"reason": verdict.reason}, code="action_not_allowed"
        )
    return booking
