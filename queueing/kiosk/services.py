"""Writes of the kiosk: devices, scans and the actions a scan's verdict allowed.

A scan is a handful of small index lookups whatever the size of the history (at most 5 queries,
pinned in tests/kiosk/test_scan.py; measured over HTTP by bench/kiosk_http.py):

1. the booking: by ticket (unique index) when the read is a ticket, else the plate's live
   bookings (a partial index of live bookings only), joined with only what the verdict and the
   reply need (slot, declaration, driver, vehicle); the gate is the device's or the kiosk's;
2. only when the plate has no live booking: its exit recorded in the last day, if any (a partial
   index of exits, so neither a truck's years of past trips nor its repeated reads cost anything);
3. only when nothing matched exactly: ONE query for the gate's live bookings whose plate is one
   edit away (`plate_variants(read)`), distinct by plate, offered to staff as candidates;
4. only when the truck is in the yard or at the lane: its fee (the verdict's fee rule) and its
   place in the queue (one COUNT) — never together with 2 or 3;
5. the GateEvent row, whose table carries only the indexes that lookups use.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cuakhau.accounts.roles import Role, user_has_role
from cuakhau.errors import Conflict, DomainError, NotAllowed, NotFound
from queueing import services as yard
from queueing.models import LIVE_BOOKING_STATES, Booking, BookingState
from queueing.rules import TICKET_PREFIX
from queueing.selectors import queue_position
from queueing.services._common import locked_booking
from vehicles.models import Gate
from vehicles.plates import canonical_plate, plate_variants, rank_candidates
from vehicles.selectors import gate_ids_for_user

from . import rules
from .models import Actions, Device, EventKind, GateEvent, Verdicts

MAX_READ = 200
MAX_CANDIDATES = 8
# A departed truck scanned again within this time is told "already departed", not "no booking".
DEPARTED_LOOKBACK = dt.timedelta(hours=24)
# A verdict is acted on soon after it was given, or the truck is scanned again.
SCAN_MAX_AGE = dt.timedelta(minutes=10)
# last_seen is written at most this often, so a busy camera does not write on every scan.
LAST_SEEN_EVERY = dt.timedelta(minutes=1)


# --- devices ---------------------------------------------------------------------------------
def _hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("ascii")).hexdigest()


def device_issue_key(*, device: Device) -> str:
    """Give a device (saved or not yet) a fresh key; set its prefix and hash, return the key.

    The caller saves; a saved device's old key stops working once it does.
    """
    prefix = secrets.token_hex(4)
    key = f"{prefix}.{secrets.token_urlsafe(40)}"
    device.key_prefix, device.key_hash = prefix, _hash_key(key)
    return key


def device_create(*, gate: Gate, lane: str, name: str = "", direction: str = "") -> tuple[Device, str]:
    """Make a device and return it with its key: the only time the key exists in clear."""
    lane = (lane or "").strip()
    if not lane:
        raise DomainError(_("A device needs a lane."), code="invalid_lane")
    device = Device(gate=gate, lane=lane, name=name, direction=direction)
    key = device_issue_key(device=device)
    device.full_clean()
    device.save()
    return device, key


def device_rotate_key(*, device: Device) -> str:
    """Give a device a new key; the old one stops working at once."""
    key = device_issue_key(device=device)
    device.save(update_fields=["key_prefix", "key_hash"])
    return key


def device_for_key(key: str) -> Device | None:
    """The active device whose key this is (one unique-index lookup), else None."""
    prefix, _dot, _secret = (key or "").partition(".")
    if not _secret or len(key) > 200:
        return None
    try:
        device = Device.objects.select_related("gate").get(key_prefix=prefix, is_active=True)
    except Device.DoesNotExist:
        return None
    if not hmac.compare_digest(device.key_hash, _hash_key(key)):
        return None
    return device


def device_touch(*, device: Device, now: dt.datetime | None = None) -> None:
    """Record that the device spoke, at most once a minute."""
    now = now or timezone.now()
    if device.last_seen is None or now - device.last_seen >= LAST_SEEN_EVERY:
        Device.objects.filter(pk=device.pk).update(last_seen=now)
        device.last_seen = now


# --- who may work at a gate ------------------------------------------------------------------
def kiosk_authorise(*, gate: Gate, device: Device | None = None, staff: Any = None) -> None:
    """A device works at its own gate only; staff at the gates of their assignment."""
    if device is not None:
        if not device.is_active or device.gate_id != gate.pk:
            raise NotAllowed(_("This device is not registered at this gate."), code="wrong_gate")
        return
    if staff is not None and getattr(staff, "is_authenticated", False):
        if staff.is_superuser:
            return
        if user_has_role(staff, Role.GATE_STAFF) and gate.pk in gate_ids_for_user(staff):
            return
    raise NotAllowed(_("You do not work at this gate."), code="wrong_gate")


def kiosk_gate(*, code: str, device: Device | None = None, staff: Any = None) -> Gate:
    """Fetch-and-authorise: the gate named by `code`, if the caller may work there.

    A device is told 403 for any gate but its own (it must not learn which codes exist).
    """
    code = (code or "").strip().upper()
    if device is not None:
        if device.gate.code != code:
            raise NotAllowed(_("This device is not registered at this gate."), code="wrong_gate")
        gate = device.gate
    else:
        gate = Gate.objects.filter(code=code, is_active=True).first()
        if gate is None:
            raise NotFound(_("No such gate."))
    kiosk_authorise(gate=gate, device=device, staff=staff)
    return gate


# --- scan ------------------------------------------------------------------------------------
@dataclass
class ScanResult:
    verdict: rules.Verdict
    event: GateEvent
    booking: Booking | None
    candidates: list[str]
    queue_position: int | None


def _booking_query() -> Any:
    # What the verdict and the reply read. Not the gate (the caller's, see _with_gate) and not
    # the fee (read by the fee rule only for a truck in the yard or at the lane).
    return Booking.objects.select_related("slot", "vehicle", "declaration", "declaration__driver")


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
        booking = _with_gate(_booking_query().filter(ticket=ticket[:40]).order_by().first(), gate)
        event_plate = canonical or (booking.plate_canonical if booking else "")
    else:
        rows = list(
            _booking_query().filter(plate_canonical=canonical, state__in=LIVE_BOOKING_STATES).order_by()[:20]
        )
        booking = _with_gate(_pick(rows, gate, now) or _recent_departure(canonical, now), gate)
        event_plate = canonical

    # 2. fuzzy: only when the plate matched nothing exactly; never acted on without staff
    candidates: list[str] = []
    if booking is None and not via_ticket and canonical:
        candidates = _candidates(canonical, gate)

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
    position = queue_position(booking) if booking is not None else None
    event = GateEvent.objects.create(
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
    booking_id = (
        GateEvent.objects.filter(
            plate_canonical=canonical,
            kind=EventKind.ACTION,
            action=Actions.EXIT,
            state_after=BookingState.DEPARTED,
            created__gte=now - DEPARTED_LOOKBACK,
        )
        .order_by("-created")
        .values_list("booking_id", flat=True)
        .first()
    )
    return _booking_query().filter(pk=booking_id).order_by().first() if booking_id else None


def _candidates(canonical: str, gate: Gate) -> list[str]:
    """The gate's live bookings' plates one edit away from the read, likeliest first (display form)."""
    variants = plate_variants(canonical)
    if not variants:
        return []
    found = dict(
        Booking.objects.filter(gate=gate, plate_canonical__in=list(variants), state__in=LIVE_BOOKING_STATES)
        .order_by()  # the model's ordering would make DISTINCT count bookings, not plates
        .values_list("plate_canonical", "vehicle__plate")
        .distinct()[:50]
    )
    return [found[plate] for plate in rank_candidates(canonical, found)][:MAX_CANDIDATES]


# --- actions ---------------------------------------------------------------------------------
@dataclass
class ActionResult:
    booking: Booking
    event: GateEvent
    queue_position: int | None


def _perform(action: str, booking: Booking, actor: Any, label: str) -> Booking:
    """The one yard service each action means (the queueing app owns them)."""
    if action == Actions.ADMIT:
        return yard.booking_check_in(booking=booking, actor=actor, actor_label=label)
    if action == Actions.INSPECT and booking.state == BookingState.IN_YARD:
        return yard.booking_send_to_inspection(booking=booking, actor=actor, actor_label=label)
    if action == Actions.INSPECT:
        return yard.booking_pass_inspection(booking=booking, actor=actor, actor_label=label)
    if action == Actions.RELEASE:
        return yard.booking_call(booking=booking, actor=actor, actor_label=label)
    if action == Actions.EXIT:
        return yard.booking_depart(booking=booking, actor=actor, actor_label=label)
    raise DomainError(_("Unknown action."), code="invalid_action")


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
            booking = _perform(action, booking, actor, label)
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
    return ActionResult(booking=booking, event=event, queue_position=queue_position(booking))


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
    booking = locked_booking(scan.booking_id, gate=scan.gate)
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
