"""Pieces every queueing service shares: taking and releasing a place, who to tell, what to say."""

from __future__ import annotations

from typing import Any, cast

from django.contrib.auth import get_user_model
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from cuakhau.errors import NotFound
from cuakhau.notifications.services import notify
from declarations.models import Declaration
from vehicles.models import Gate
from vehicles.selectors import company_for_user

from ..models import Booking, Slot


def take_place(slot_id: int) -> bool:
    """Take one place with ONE conditional UPDATE; False when the slot is full or closed.

    Never read-then-write: the database evaluates `booked < capacity` and increments in the same
    statement under the row's write lock, so concurrent bookers cannot both take the last place.
    """
    return (
        Slot.objects.filter(pk=slot_id, booked__lt=F("capacity"), is_closed=False).update(
            booked=F("booked") + 1
        )
        == 1
    )


def locked_booking(
    booking_id: int, *, gate: Gate | None = None, with_fee: bool = False, lock_declaration: bool = False
) -> Booking:
    """Re-read a booking under its row lock (its own row only, unless `lock_declaration`), so
    concurrent actions on it serialise: every action on a booking takes this lock first.

    Comes with what the services read (declaration and driver, vehicle, slot, gate). Given the
    caller's `gate`, the gate is not joined and the caller's object is reused when it is the
    booking's gate (the kiosk's hot path). `with_fee` joins the declaration's fee (the kiosk's
    verdict asks whether it is paid); `lock_declaration` locks the declaration's row in the same
    statement, after the booking's, as the departure that completes it would next (the
    declaration then comes with the booking's gate and vehicle, which are its own).
    """
    related = ["declaration", "declaration__driver", "vehicle", "slot"]
    if gate is None:
        related.append("gate")
    if with_fee:
        related.append("declaration__fee")
    of = ("self", "declaration") if lock_declaration else ("self",)
    booking = Booking.objects.select_for_update(of=of).select_related(*related).get(pk=booking_id)
    if gate is not None and booking.gate_id == gate.pk:
        booking.gate = gate
    if lock_declaration:
        declaration = booking.declaration
        if declaration.gate_id == booking.gate_id:
            declaration.gate = booking.gate
        if declaration.vehicle_id == booking.vehicle_id:
            declaration.vehicle = booking.vehicle
    return booking


def release_place(slot_id: int) -> None:
    Slot.objects.filter(pk=slot_id, booked__gt=0).update(booked=F("booked") - 1)


def owners(booking: Booking | Declaration) -> list[Any]:
    """The people told about a booking: the company's operators and the driver's own account."""
    # (The models' untyped base, ConcurrentTransitionMixin, keeps mypy from narrowing the else.)
    declaration = booking.declaration if isinstance(booking, Booking) else cast(Declaration, booking)
    users = list(
        get_user_model()
        .objects.filter(company_member__company_id=declaration.company_id, is_active=True)
        .select_related("profile")  # notify() reads it
    )
    driver_user_id = declaration.driver.user_id if declaration.driver_id else None
    if driver_user_id and all(u.pk != driver_user_id for u in users):
        users.extend(get_user_model().objects.filter(pk=driver_user_id, is_active=True))
    return users


def window_text(slot: Slot) -> str:
    start = timezone.localtime(slot.start)
    end = timezone.localtime(slot.end)
    return f"{start:%Y-%m-%d %H:%M}–{end:%H:%M}"


def booking_payload(booking: Booking, **extra: Any) -> dict[str, Any]:
    payload = {
        "booking": booking.pk,
        "declaration": booking.declaration_id,
        "plate": booking.vehicle.plate,
        "gate": booking.gate.name,
        "gate_i18n": booking.gate.names(),
        "gate_code": booking.gate.code,
        "window": window_text(booking.slot),
        "ticket": booking.ticket,
    }
    payload.update(extra)
    return payload


def tell(booking: Booking, event: str, *, dedupe: str = "", **extra: Any) -> None:
    notify(
        event=event,
        recipients=owners(booking),
        subject_type="booking",
        subject_id=booking.pk,
        payload=booking_payload(booking, **extra),
        dedupe=dedupe,
    )


def actor_company_id(actor: Any) -> int | None:
    company = company_for_user(actor)
    return company.pk if company else None


def check_owner(actor: Any, company_id: int) -> None:
    """Operators act for their own company only; another company's object does not exist (404).

    `actor=None` is the system (a task, a signal receiver); superusers may act for anyone.
    """
    if actor is None or getattr(actor, "is_superuser", False):
        return
    if actor_company_id(actor) != company_id:
        raise NotFound(_("Not found."))
