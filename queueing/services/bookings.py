"""Booking a slot, cancelling, rebooking, and the waitlist that receives freed places."""

from __future__ import annotations

from typing import Any, cast

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from cuakhau.errors import Conflict, DomainError
from cuakhau.notifications.services import notify
from cuakhau.transitions.permissions import require_transition
from cuakhau.transitions.services import fire, log_created
from declarations.models import LIVE_FOR_BOOKING, CargoLine, Declaration
from vehicles.models import Company

from .. import rules
from ..models import LIVE_BOOKING_STATES, Booking, BookingState, Slot, WaitlistEntry, WaitlistState
from ._common import check_owner, locked_booking, owners, release_place, take_place, tell, window_text


def _check_bookable(
    declaration: Declaration, slot: Slot, *, need_room: bool = True, check_state: bool = True
) -> None:
    """The rules a declaration and a slot must meet before a place is taken (one place).
    `check_state=False` for the early answer before the lock: the caller's copy of the
    declaration may be older than the row, whose state is checked once locked."""
    if check_state and declaration.state not in LIVE_FOR_BOOKING:
        raise Conflict(
            _("Only a submitted, under-review or cleared declaration can book (it is %(state)s).")
            % {"state": declaration.get_state_display()},
            code="declaration_not_bookable",
        )
    if slot.gate_id != declaration.gate_id or slot.direction != declaration.direction:
        raise DomainError(
            _("This slot is for another gate or direction than the declaration."), code="wrong_slot"
        )
    if slot.start <= timezone.now():
        raise Conflict(_("This slot has already started; pick a later one."), code="slot_past")
    if slot.is_closed:
        raise Conflict(_("This slot is closed."), code="slot_closed")
    if need_room and slot.booked >= slot.capacity:
        # A cheap early answer only; the conditional UPDATE stays the one that decides.
        raise Conflict(_("This slot is full."), code="slot_full")


def _check_company_cap(declaration: Declaration, slot: Slot, *, exclude_booking: int | None = None) -> None:
    """Fairness: at most gate.company_daily_booking_cap live bookings per company, gate and day.

    The caller holds the company row lock, so two bookings of one company cannot both pass.
    """
    gate = slot.gate
    day_start, day_end = rules.local_day_bounds(gate, rules.local_date(gate, slot.start))
    live = Booking.objects.filter(
        company_id=declaration.company_id,
        gate_id=gate.pk,
        slot_start__gte=day_start,
        slot_start__lt=day_end,
        state__in=LIVE_BOOKING_STATES,
    )
    if exclude_booking:
        live = live.exclude(pk=exclude_booking)
    if live.count() >= gate.company_daily_booking_cap:
        raise Conflict(
            _("Your company already has %(cap)s live bookings at this gate on that day (the limit).")
            % {"cap": gate.company_daily_booking_cap},
            code="company_cap",
        )


def _check_vehicle_day(declaration: Declaration, slot: Slot, *, exclude_booking: int | None = None) -> None:
    """One live booking per vehicle (plate) per day at the gates, across all its declarations:
    a second one would hoard places. The database refuses it too; this says which booking holds it."""
    holder = _vehicle_day_holder(declaration.vehicle.plate_canonical, slot, exclude_booking=exclude_booking)
    if holder is not None and holder.declaration_id == declaration.pk:
        raise Conflict(
            _("This declaration already has a live booking; rebook it instead."), code="already_booked"
        )
    if holder is not None:
        raise Conflict(
            _(
                "The vehicle %(plate)s already has a live booking that day: ticket %(ticket)s, "
                "declaration %(declaration)s, %(gate)s at %(time)s. Cancel or rebook that one first."
            )
            % {
                "plate": declaration.vehicle.plate,
                "ticket": holder.ticket,
                "declaration": holder.declaration.number,
                "gate": holder.gate.name,
                "time": timezone.localtime(holder.slot_start, rules.gate_zone(holder.gate)).strftime("%H:%M"),
            },
            code="vehicle_already_booked",
        )


def _vehicle_day_holder(
    plate_canonical: str, slot: Slot, *, exclude_booking: int | None = None
) -> Booking | None:
    day_start, day_end = rules.local_day_bounds(slot.gate, rules.local_date(slot.gate, slot.start))
    live = Booking.objects.select_related("declaration", "gate").filter(
        plate_canonical=plate_canonical,
        slot_start__gte=day_start,
        slot_start__lt=day_end,
        state__in=LIVE_BOOKING_STATES,
    )
    if exclude_booking:
        live = live.exclude(pk=exclude_booking)
    return live.first()


def _lock_company(company_id: int) -> None:
    # No ORDER BY (the model's default ordering would add one): one row, by primary key.
    list(Company.objects.select_for_update().filter(pk=company_id).order_by().values_list("pk", flat=True))


def _slot_with_gate(slot: Slot) -> Slot:
    """The caller's slot when it came with its gate (the API's serializer reads them together),
    else read once. Its `booked` count may be old: it only gives the early answer, the
    conditional UPDATE decides."""
    if Slot._meta.get_field("gate").is_cached(slot):
        return slot
    return Slot.objects.select_related("gate").get(pk=slot.pk)


def _locked_declaration(declaration_id: int) -> Declaration:
    """The declaration under its row lock and its company's (the per-company cap's, taken
    after it, as `_lock_company` would), with its vehicle and driver, and whether any cargo line
    is perishable (one statement: the booking's `perishable` without reading the lines)."""
    return (
        Declaration.objects.select_for_update(of=("self", "company"))
        .select_related("vehicle", "driver", "company")
        .annotate(
            any_perishable=Exists(CargoLine.objects.filter(declaration=OuterRef("pk"), perishable=True))
        )
        .order_by()
        .get(pk=declaration_id)
    )


def booking_create(
    *, declaration: Declaration, slot: Slot, actor: Any = None, actor_label: str = ""
) -> Booking:
    """Book `slot` for `declaration`.

    1. Check the rules on the slot and the declaration as the caller read them: a full, closed
       or past slot is refused here, before any transaction or lock and without a query of its
       own (the API's serializer has just read both; the common answer in a rush).
    2. In one transaction: lock the declaration (one booking at a time per declaration; its
       vehicle, driver and perishable cargo in the same statement) and its company's row (the
       cap's lock, same statement), check the declaration again as it is now and the
       per-company daily cap.
    3. Take the place with ONE conditional UPDATE, the statement that decides: a slot that
       filled or closed since step 1 is refused here. It comes after the locks so that the slot's
       row, which every booker of the slot writes, is never held while waiting for a company.
    4. Create the booking with a fresh ticket bound to the vehicle's plate; log; notify. A second
       live booking of the declaration, or of the vehicle that day, is refused by the database
       (one_live_booking_per_declaration, one_live_booking_per_vehicle_per_day); after the
       rollback the answer names the booking that holds it.
    Any refusal inside the transaction rolls the place back with everything else.
    """
    check_owner(actor, declaration.company_id)
    slot = _slot_with_gate(slot)
    _check_bookable(declaration, slot, check_state=False)
    try:
        with transaction.atomic():
            declaration = _locked_declaration(declaration.pk)  # and the company
            _check_bookable(declaration, slot, need_room=False)
            _check_company_cap(declaration, slot)
            # The place last: the slot's row is the hottest of a rush, so its write lock is held
            # only from here to the commit, never while waiting for a company's lock.
            if not take_place(slot.pk):
                # Full or closed since the caller read it: say which (one read, only here).
                slot.refresh_from_db(fields=["booked", "capacity", "is_closed"])
                if slot.is_closed:
                    raise Conflict(_("This slot is closed."), code="slot_closed")
                raise Conflict(_("This slot is full."), code="slot_full")
            # No savepoint: on a conflict the whole transaction is rolled back (the place too).
            booking = Booking.objects.create(
                declaration=declaration,
                slot=slot,
                gate=slot.gate,
                company_id=declaration.company_id,
                vehicle=declaration.vehicle,
                plate_canonical=declaration.vehicle.plate_canonical,
                slot_start=slot.start,
                perishable=cast(Any, declaration).any_perishable,  # annotated with the lock above
                inspection_required=rules.inspection_required_at_booking(declaration),
                ticket=rules.new_ticket(),
            )
            log_created(booking, actor=actor, actor_label=actor_label)
            tell(booking, "booking.confirmed", dedupe=str(booking.pk))
    except IntegrityError:
        # A concurrent booking won the race: of the same declaration, or of the same truck that
        # day. Asked after the rollback (the failed transaction can run no query), so the answer
        # names the booking that holds the day.
        _check_vehicle_day(declaration, slot)
        raise Conflict(
            _("This declaration already has a live booking; rebook it instead."), code="already_booked"
        ) from None
    return booking


def booking_cancel(
    *, booking: Booking, actor: Any = None, actor_label: str = "", reason: str = "", quiet: bool = False
) -> Booking:
    """Cancel a confirmed booking; its place goes back to the slot, first to the waitlist.

    `quiet`: the owners are told by the caller (a declaration's end tells them once).
    """
    check_owner(actor, booking.company_id)
    with transaction.atomic():
        booking = locked_booking(booking.pk)
        require_transition(booking, "cancel", actor)
        fire(booking, "cancel", actor=actor, actor_label=actor_label, note=reason, reason=reason[:200])
        release_place(booking.slot_id)
        if not quiet:
            tell(booking, "booking.cancelled", dedupe=str(booking.pk), note=reason)
        waitlist_offer_freed_place(slot_id=booking.slot_id)
    return booking


def booking_rebook(*, booking: Booking, slot: Slot, actor: Any = None, actor_label: str = "") -> Booking:
    """Move a confirmed booking to another slot, atomically.

    The new place is taken (conditional UPDATE) before the old one is released, in one
    transaction: when the new slot is full or not allowed, nothing changes and the old booking
    stays exactly as it was.
    """
    check_owner(actor, booking.company_id)
    with transaction.atomic():
        booking = locked_booking(booking.pk)
        if booking.state != BookingState.CONFIRMED:
            raise Conflict(
                _("Only a confirmed booking can be rebooked (it is %(state)s).")
                % {"state": booking.get_state_display()},
                code="illegal_transition",
            )
        new_slot = Slot.objects.select_related("gate").get(pk=slot.pk)
        if new_slot.pk == booking.slot_id:
            raise DomainError(_("The booking already has this slot."), code="same_slot")
        _check_bookable(booking.declaration, new_slot)
        _lock_company(booking.company_id)
        _check_company_cap(booking.declaration, new_slot, exclude_booking=booking.pk)
        _check_vehicle_day(booking.declaration, new_slot, exclude_booking=booking.pk)
        old_slot_id = booking.slot_id
        if not take_place(new_slot.pk):
            raise Conflict(_("This slot is full."), code="slot_full")
        require_transition(booking, "move", actor)
        fire(
            booking,
            "move",
            actor=actor,
            actor_label=actor_label,
            note=f"rebook {old_slot_id}→{new_slot.pk}",
            slot=new_slot,
        )
        release_place(old_slot_id)
        tell(booking, "booking.confirmed", dedupe=f"{booking.pk}:{new_slot.pk}")
        waitlist_offer_freed_place(slot_id=old_slot_id)
    return booking


# --- waitlist ---------------------------------------------------------------------------------
def waitlist_join(
    *, declaration: Declaration, slot: Slot, actor: Any = None, auto_book: bool = False
) -> WaitlistEntry:
    """Wait for a place in a full slot; served in order of joining."""
    check_owner(actor, declaration.company_id)
    with transaction.atomic():
        declaration = Declaration.objects.select_for_update(of=("self",)).get(pk=declaration.pk)
        slot = Slot.objects.select_related("gate").get(pk=slot.pk)
        _check_bookable(declaration, slot, need_room=False)
        if slot.available > 0:
            raise Conflict(_("This slot still has places: book it directly."), code="slot_has_room")
        if Booking.objects.filter(declaration=declaration, slot=slot, state__in=LIVE_BOOKING_STATES).exists():
            raise Conflict(_("This declaration already holds a place in this slot."), code="already_booked")
        entry, created = WaitlistEntry.objects.get_or_create(
            slot=slot,
            declaration=declaration,
            state=WaitlistState.WAITING,
            defaults={
                "company_id": declaration.company_id,
                "created_by": actor if getattr(actor, "is_authenticated", False) else None,
                "auto_book": auto_book,
            },
        )
        if not created and entry.auto_book != auto_book:
            entry.auto_book = auto_book
            entry.save(update_fields=["auto_book"])
    return entry


def waitlist_leave(*, entry: WaitlistEntry, actor: Any = None) -> WaitlistEntry:
    check_owner(actor, entry.company_id)
    WaitlistEntry.objects.filter(pk=entry.pk, state=WaitlistState.WAITING).update(
        state=WaitlistState.LEFT, served_at=timezone.now()
    )
    entry.refresh_from_db()
    return entry


def waitlist_offer_freed_place(*, slot_id: int) -> WaitlistEntry | None:
    """Give a freed place to the first waiting entry of the slot (runs inside the freeing transaction).

    Auto-book entries get the place at once (a rebook when their declaration already holds another
    confirmed booking); the others are told, in order, and leave the list. An entry that can no
    longer book (declaration closed, cap reached) lapses with the reason, and the next is served.
    """
    slot = Slot.objects.select_related("gate").get(pk=slot_id)
    if slot.is_closed or slot.start <= timezone.now():
        return None
    entries = (
        WaitlistEntry.objects.select_for_update(of=("self",))
        .select_related("declaration")
        .filter(slot_id=slot_id, state=WaitlistState.WAITING)
        .order_by("created", "id")
    )
    for entry in entries:
        if not entry.auto_book:
            entry.state, entry.served_at = WaitlistState.OFFERED, timezone.now()
            entry.save(update_fields=["state", "served_at"])
            _tell_offer(entry, slot)
            return entry
        try:
            with transaction.atomic():
                current = Booking.objects.filter(
                    declaration_id=entry.declaration_id, state=BookingState.CONFIRMED
                ).first()
                if current is not None:
                    booking_rebook(booking=current, slot=slot, actor=None, actor_label="waitlist")
                else:
                    booking_create(
                        declaration=entry.declaration, slot=slot, actor=None, actor_label="waitlist"
                    )
        except DomainError as exc:
            if getattr(exc, "code", "") == "slot_full":
                return None  # someone else took it first; the entry keeps its place in line
            entry.state, entry.served_at, entry.note = WaitlistState.LAPSED, timezone.now(), str(exc)[:200]
            entry.save(update_fields=["state", "served_at", "note"])
            continue
        entry.state, entry.served_at = WaitlistState.BOOKED, timezone.now()
        entry.save(update_fields=["state", "served_at"])
        return entry
    return None


def _tell_offer(entry: WaitlistEntry, slot: Slot) -> None:
    declaration = Declaration.objects.select_related("vehicle", "driver").get(pk=entry.declaration_id)
    notify(
        event="booking.waitlist_offer",
        recipients=owners(declaration),
        subject_type="declaration",
        subject_id=declaration.pk,
        payload={
            "declaration": declaration.pk,
            "slot": slot.pk,
            "plate": declaration.vehicle.plate,
            "gate": slot.gate.name,
            "gate_i18n": slot.gate.names(),
            "gate_code": slot.gate.code,
            "window": window_text(slot),
        },
        dedupe=f"waitlist:{entry.pk}",
    )
