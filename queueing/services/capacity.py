"""The capacity calendar: slots generated from weekly templates and date overrides, and a
manager's closing or shrinking of a slot (which moves or cancels the bookings it no longer holds)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cuakhau.accounts.roles import Role, user_has_role
from cuakhau.errors import Conflict, DomainError, NotAllowed
from cuakhau.transitions.services import fire
from vehicles.models import Gate
from vehicles.selectors import gate_ids_for_user

from .. import rules
from ..models import (
    Booking,
    BookingState,
    CapacityOverride,
    CapacityTemplate,
    OverrideKind,
    Slot,
    WaitlistEntry,
    WaitlistState,
)
from ._common import release_place, take_place, tell
from .bookings import waitlist_offer_freed_place


@dataclass(frozen=True)
class PlannedSlot:
    start: dt.datetime
    end: dt.datetime
    capacity: int


def _steps(
    day: dt.date, opens: dt.time, closes: dt.time, minutes: int, zone: Any
) -> list[tuple[dt.datetime, dt.datetime]]:
    start = dt.datetime.combine(day, opens, tzinfo=zone)
    stop = dt.datetime.combine(day, closes, tzinfo=zone)
    step = dt.timedelta(minutes=minutes)
    out = []
    while start + step <= stop:
        out.append((start, start + step))
        start += step
    return out


def _applies(override: CapacityOverride, direction: str) -> bool:
    return not override.direction or override.direction == direction


def _in_range(override: CapacityOverride, start: dt.datetime, end: dt.datetime, zone: Any) -> bool:
    """An override without hours covers the whole day; with hours, the slots overlapping them."""
    if override.opens is None or override.closes is None:
        return True
    lo = dt.datetime.combine(start.astimezone(zone).date(), override.opens, tzinfo=zone)
    hi = dt.datetime.combine(start.astimezone(zone).date(), override.closes, tzinfo=zone)
    return start < hi and end > lo


def day_plan(
    gate: Gate,
    direction: str,
    day: dt.date,
    templates: list[CapacityTemplate],
    overrides: list[CapacityOverride],
) -> list[PlannedSlot]:
    """The slots a gate offers in one direction on one day (the one place templates meet overrides).

    1. Weekly templates of that weekday give slots from opening to closing time.
    2. Extra-hours overrides add slots (gate's slot length, the override's or template's capacity).
    3. Capacity overrides change the capacity of the slots they cover.
    4. Closure overrides remove the slots they cover (the whole day when they have no hours).
    """
    zone = rules.gate_zone(gate)
    mine = [o for o in overrides if o.date == day and _applies(o, direction)]
    planned: dict[dt.datetime, PlannedSlot] = {}
    default_capacity = 0
    for t in templates:
        if t.weekday != day.weekday() or t.direction != direction:
            continue
        default_capacity = default_capacity or t.capacity
        for start, end in _steps(day, t.opens, t.closes, t.slot_minutes, zone):
            planned.setdefault(start, PlannedSlot(start, end, t.capacity))
    for o in mine:
        if o.kind == OverrideKind.EXTRA_HOURS and o.opens and o.closes:
            capacity = o.capacity or default_capacity
            if capacity:
                for start, end in _steps(day, o.opens, o.closes, gate.slot_minutes, zone):
                    if not any(s.start < end and s.end > start for s in planned.values()):
                        planned[start] = PlannedSlot(start, end, capacity)
    for o in mine:
        if o.kind == OverrideKind.CAPACITY and o.capacity is not None:
            for key, s in list(planned.items()):
                if _in_range(o, s.start, s.end, zone):
                    planned[key] = PlannedSlot(s.start, s.end, o.capacity)
    for o in mine:
        if o.kind == OverrideKind.CLOSED:
            planned = {k: s for k, s in planned.items() if not _in_range(o, s.start, s.end, zone)}
    return [planned[k] for k in sorted(planned) if planned[k].capacity > 0]


def slots_generate(*, gate: Gate | None = None, days: int = 14, start_date: dt.date | None = None) -> int:
    """Create the slots of the next `days` days that do not exist yet; returns how many were made.

    Idempotent: get_or_create on (gate, direction, start), never touching an existing slot —
    changes to existing slots go through slot_close / slot_set_capacity, which move bookings.
    """
    gates = [gate] if gate is not None else list(Gate.objects.filter(is_active=True))
    made = 0
    for g in gates:
        first = start_date or timezone.localdate(timezone=rules.gate_zone(g))
        last = first + dt.timedelta(days=days - 1)
        templates = list(CapacityTemplate.objects.filter(gate=g))
        overrides = list(CapacityOverride.objects.filter(gate=g, date__range=(first, last)))
        for offset in range(days):
            day = first + dt.timedelta(days=offset)
            for direction in g.directions or []:
                for p in day_plan(g, direction, day, templates, overrides):
                    _slot, created = Slot.objects.get_or_create(
                        gate=g,
                        direction=direction,
                        start=p.start,
                        defaults={"end": p.end, "capacity": p.capacity},
                    )
                    made += created
    return made


def capacity_override_save(*, override: CapacityOverride, actor: Any = None) -> dict[str, int]:
    """Save a new or edited override and apply it to the existing slots, in one transaction: an
    override that cannot be applied (trucks already in the yard) is not kept either, so the
    calendar never says one thing while the slots say another."""
    _check_manager(actor, override.gate_id)
    with transaction.atomic():
        override.save()
        return capacity_override_apply(override=override, actor=actor)


def capacity_override_apply(*, override: CapacityOverride, actor: Any = None) -> dict[str, int]:
    """Apply a new or edited override to slots that already exist (the generator only creates).

    Closure closes the covered slots, a capacity change resizes them, extra hours create the
    missing slots; bookings that lose their place are moved or cancelled by the slot rules.
    All or nothing: when one slot refuses (trucks already in the yard), no slot of the day changes.
    """
    gate = override.gate
    zone = rules.gate_zone(gate)
    day_start, day_end = rules.local_day_bounds(gate, override.date)
    slots = Slot.objects.filter(gate=gate, start__gte=day_start, start__lt=day_end, end__gt=timezone.now())
    if override.direction:
        slots = slots.filter(direction=override.direction)
    result = {"closed": 0, "resized": 0, "created": 0}
    if override.kind == OverrideKind.EXTRA_HOURS:
        result["created"] = slots_generate(gate=gate, days=1, start_date=override.date)
        return result
    with transaction.atomic():
        for slot in slots.order_by("start"):
            if not _in_range(override, slot.start, slot.end, zone):
                continue
            if override.kind == OverrideKind.CLOSED and not slot.is_closed:
                slot_close(slot=slot, actor=actor, reason=override.reason)
                result["closed"] += 1
            elif (
                override.kind == OverrideKind.CAPACITY
                and override.capacity is not None
                and slot.capacity != override.capacity
            ):
                slot_set_capacity(slot=slot, capacity=override.capacity, actor=actor, reason=override.reason)
                result["resized"] += 1
    return result


def _check_manager(actor: Any, gate_id: int) -> None:
    """Only a gate manager of that gate (or a superuser; or the system: actor None) changes slots."""
    if actor is None or getattr(actor, "is_superuser", False):
        return
    if not user_has_role(actor, Role.GATE_MANAGER) or gate_id not in gate_ids_for_user(actor):
        raise NotAllowed(_("Only a manager of this gate can change its slots."))


def slot_close(*, slot: Slot, actor: Any = None, reason: str = "") -> dict[str, int]:
    """Close a slot: no new bookings; every confirmed booking moves to the next slot with room
    (same gate, direction and day), in booking order, or is cancelled when none has room."""
    _check_manager(actor, slot.gate_id)
    with transaction.atomic():
        slot = Slot.objects.select_for_update().select_related("gate").get(pk=slot.pk)
        Slot.objects.filter(pk=slot.pk).update(is_closed=True)
        # Waiting for a place that will never free up: the entries lapse, with the reason.
        WaitlistEntry.objects.filter(slot=slot, state=WaitlistState.WAITING).update(
            state=WaitlistState.LAPSED,
            served_at=timezone.now(),
            note=(reason or _("The slot was closed."))[:200],
        )
        affected = list(_confirmed(slot))
        return _move_or_cancel(slot, affected, actor=actor, reason=reason or _("The slot was closed."))


def slot_reopen(*, slot: Slot, actor: Any = None) -> int:
    """Reopen a closed slot: bookable again, and its free places offered to the waitlist in
    order. Returns how many waitlist entries were served."""
    _check_manager(actor, slot.gate_id)
    with transaction.atomic():
        slot = Slot.objects.select_for_update().get(pk=slot.pk)
        if not slot.is_closed:
            return 0
        Slot.objects.filter(pk=slot.pk).update(is_closed=False)
        return _offer_free_places(slot, max(slot.capacity - slot.booked, 0))


def slot_update(
    *,
    slot: Slot,
    start: dt.datetime,
    end: dt.datetime,
    direction: str,
    capacity: int,
    is_closed: bool,
    actor: Any = None,
) -> dict[str, int]:
    """A manager's edit of one slot, all or nothing.

    1. Start, end and direction change only while no booking holds a place in the slot (a
       booked truck was promised that window); otherwise 409 `slot_has_bookings`.
    2. A new capacity goes through `slot_set_capacity` (moves the latest bookings out).
    3. Closing goes through `slot_close`, reopening through `slot_reopen` (waitlist offered).
    """
    _check_manager(actor, slot.gate_id)
    result = {"moved": 0, "cancelled": 0, "offered": 0}
    with transaction.atomic():
        current = Slot.objects.select_for_update().get(pk=slot.pk)
        if (start, end, direction) != (current.start, current.end, current.direction):
            if current.booked:
                raise Conflict(
                    _(
                        "%(n)s bookings hold places in this slot, so its time and direction cannot "
                        "change; close it (its bookings are moved) and add a new slot instead."
                    )
                    % {"n": current.booked},
                    code="slot_has_bookings",
                )
            if end <= start:
                raise DomainError(_("A slot must end after it starts."), code="invalid")
            try:
                with transaction.atomic():
                    Slot.objects.filter(pk=current.pk).update(start=start, end=end, direction=direction)
            except IntegrityError as exc:
                raise Conflict(
                    _("This gate already has a slot starting then in that direction."),
                    code="slot_exists",
                ) from exc
        if capacity != current.capacity:
            _add(result, slot_set_capacity(slot=current, capacity=capacity, actor=actor))
        if is_closed and not current.is_closed:
            _add(result, slot_close(slot=current, actor=actor))
        elif not is_closed and current.is_closed:
            result["offered"] += slot_reopen(slot=current, actor=actor)
    return result


def _add(total: dict[str, int], part: dict[str, int]) -> None:
    for key, value in part.items():
        total[key] = total.get(key, 0) + value


def _offer_free_places(slot: Slot, places: int) -> int:
    served = 0
    for _i in range(places):
        if waitlist_offer_freed_place(slot_id=slot.pk) is None:
            break
        served += 1
    return served


def slot_set_capacity(*, slot: Slot, capacity: int, actor: Any = None, reason: str = "") -> dict[str, int]:
    """Change a slot's capacity. Growing just adds places (first to the waitlist); shrinking below
    the bookings held moves the LATEST confirmed bookings out (the earliest keep their place), each
    to the next slot with room, in booking order, or cancels them."""
    _check_manager(actor, slot.gate_id)
    if capacity < 0:
        raise DomainError(_("Capacity cannot be negative."), code="invalid")
    with transaction.atomic():
        slot = Slot.objects.select_for_update().select_related("gate").get(pk=slot.pk)
        result = {"moved": 0, "cancelled": 0}
        excess = slot.booked - capacity
        if excess > 0:
            confirmed = list(_confirmed(slot))
            if len(confirmed) < excess:
                raise DomainError(
                    _(
                        "%(n)s trucks of this slot are already in the yard or beyond; capacity cannot go below %(min)s."
                    )
                    % {"n": slot.booked - len(confirmed), "min": slot.booked - len(confirmed)},
                    code="capacity_below_used",
                )
            result = _move_or_cancel(
                slot, confirmed[-excess:], actor=actor, reason=reason or _("The slot was reduced.")
            )
        Slot.objects.filter(pk=slot.pk).update(capacity=capacity)
        _offer_free_places(slot, max(capacity - slot.capacity, 0))
        return result


def slot_shrink(*, slot: Slot, capacity: int, actor: Any = None, reason: str = "") -> dict[str, int]:
    if capacity >= slot.capacity:
        raise DomainError(_("A shrink must lower the capacity."), code="invalid")
    return slot_set_capacity(slot=slot, capacity=capacity, actor=actor, reason=reason)


def _confirmed(slot: Slot) -> QuerySet[Booking]:
    return (
        Booking.objects.select_for_update(of=("self",))
        .select_related("declaration", "declaration__driver", "vehicle", "gate", "slot")
        .filter(slot=slot, state=BookingState.CONFIRMED)
        .order_by("created", "id")
    )


def _move_or_cancel(slot: Slot, bookings: list[Booking], *, actor: Any, reason: str) -> dict[str, int]:
    gate = slot.gate
    day_start, day_end = rules.local_day_bounds(gate, rules.local_date(gate, slot.start))
    later = list(
        Slot.objects.filter(
            gate=gate, direction=slot.direction, start__gt=slot.start, start__lt=day_end, is_closed=False
        )
        .exclude(pk=slot.pk)
        .order_by("start")
    )
    result = {"moved": 0, "cancelled": 0}
    for booking in bookings:
        target = next((s for s in later if take_place(s.pk)), None)
        if target is not None:
            fire(booking, "move", actor=actor, actor_label="gate", note=reason, slot=target)
            release_place(slot.pk)
            tell(booking, "booking.moved", dedupe=f"{booking.pk}:{target.pk}", note=reason)
            result["moved"] += 1
        else:
            fire(booking, "cancel", actor=actor, actor_label="gate", note=reason, reason=reason[:200])
            release_place(slot.pk)
            tell(
                booking,
                "booking.cancelled",
                dedupe=str(booking.pk),
                note=_("%(reason)s No later slot that day had room.") % {"reason": reason},
            )
            result["cancelled"] += 1
    return result
