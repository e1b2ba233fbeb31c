"""Demo declarations and bookings for `seed_demo`, made through the real services.

So a fresh `make run` shows a living gate: a draft, a declaration waiting for the officers, a
cleared one booked for tomorrow, and — when the gate is open now — a truck in the yard at Hữu
Nghị (on the board and at the kiosk). Idempotent: a company that already has declarations gets
nothing more.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from declarations import services as workflow
from declarations.models import AgencyReview, Declaration, ReviewState
from vehicles import services as registry
from vehicles.models import Gate, Vehicle
from vehicles.plates import canonical_plate

from .models import Slot
from .services import booking_check_in, booking_create

FRUIT = {
    "description": "Thanh long ruột đỏ (dragon fruit)",
    "hs_code": "08109050",
    "quantity": 18000,
    "unit": "kg",
    "gross_kg": 19500,
    "value": 21600,
    "origin": "VN",
    "perishable": True,
}
JACKFRUIT = {
    "description": "Mít tươi (fresh jackfruit)",
    "hs_code": "08109092",
    "quantity": 15000,
    "unit": "kg",
    "gross_kg": 16200,
    "value": 9000,
    "origin": "VN",
    "perishable": True,
}
MACHINERY = {
    "description": "Linh kiện máy nông nghiệp (farm machinery parts)",
    "hs_code": "84329090",
    "quantity": 120,
    "unit": "set",
    "gross_kg": 8400,
    "value": 36000,
    "origin": "CN",
    "perishable": False,
}


def _officers() -> list[User]:
    return list(User.objects.filter(username__in=["demo-customs", "demo-border-guard", "demo-quarantine"]))


def _approve_all(declaration: Declaration) -> None:
    """Each demo officer claims and approves the review of their agency (through the services)."""
    by_agency = {o.staff_assignment.agency: o for o in _officers() if hasattr(o, "staff_assignment")}
    for _round in range(3):  # an ordered gate opens the next review after each approval
        pending = AgencyReview.objects.filter(declaration=declaration, state=ReviewState.PENDING)
        if not pending.exists():
            break
        for review in pending:
            officer = by_agency.get(review.agency)
            if officer is None:
                continue
            workflow.review_claim(actor=officer, review=review)
            workflow.review_approve(actor=officer, review=review, note="Demo: hồ sơ đầy đủ.")


def _next_slot(
    gate: Gate, direction: str, *, after: dt.datetime, before: dt.datetime | None = None
) -> Slot | None:
    slots = Slot.objects.filter(
        gate=gate, direction=direction, start__gt=after, is_closed=False, booked__lt=F("capacity")
    )
    if before is not None:
        slots = slots.filter(start__lt=before)
    return slots.order_by("start").first()


def _vehicle(operator: User, plate: str, **fields: Any) -> Vehicle:
    company = operator.company_member.company
    found = Vehicle.objects.filter(plate_canonical=canonical_plate(plate)).first()
    return found or registry.vehicle_create(company=company, plate=plate, **fields)


def _declare(
    operator: User,
    vehicle: Any,
    driver: Any,
    gate: Gate,
    day: dt.date,
    cargo: dict[str, Any],
    *,
    direction: str = "export",
    submit: bool = True,
    **extra: Any,
) -> Declaration:
    """A declaration of one cargo line, made and (by default) submitted by the operator."""
    with transaction.atomic():
        declaration = workflow.declaration_create(
            actor=operator,
            vehicle=vehicle,
            driver=driver,
            gate=gate,
            direction=direction,
            planned_date=day,
            cargo_lines=[cargo],
            **extra,
        )
        if submit:
            workflow.declaration_submit(actor=operator, declaration=declaration)
    return declaration


def seed_declarations() -> list[str]:
    """Create the demo story; returns one line per thing created (for the command's output)."""
    done: list[str] = []
    operator = User.objects.filter(username="demo-operator").first()
    operator2 = User.objects.filter(username="demo-operator-2").first()
    if operator is None or operator2 is None:
        return done
    huu_nghi = Gate.objects.get(code="HUU_NGHI")
    tan_thanh = Gate.objects.get(code="TAN_THANH")
    today = timezone.localdate()
    tomorrow = today + dt.timedelta(days=1)
    now = timezone.now()

    company = operator.company_member.company
    if not Declaration.objects.filter(company=company).exists():
        driver = company.drivers.first()
        truck = company.vehicles.first()
        second = _vehicle(operator, "12C-456.78", kind="refrigerated", max_gross_kg=32000)

        draft = _declare(operator, truck, driver, tan_thanh, tomorrow, JACKFRUIT, submit=False)
        done.append(f"draft {draft.number} (Tân Thanh, jackfruit)")

        waiting = _declare(operator, truck, driver, huu_nghi, tomorrow, FRUIT)
        done.append(f"{waiting.number} submitted, waiting for customs, border guard and quarantine")

        in_yard = _declare(operator, second, driver, huu_nghi, today, FRUIT)
        _approve_all(in_yard)
        in_yard.refresh_from_db()
        # The gate lets a truck into the yard from an hour before its slot: book the next slot
        # starting within the hour, and check it in, when the gate is open now.
        slot = _next_slot(huu_nghi, "export", after=now, before=now + dt.timedelta(minutes=55))
        if slot is not None and in_yard.state == "cleared":
            booking = booking_create(declaration=in_yard, slot=slot, actor=operator)
            booking_check_in(booking=booking, actor_label="demo")
            done.append(
                f"{in_yard.number} cleared, {second.plate} in the Hữu Nghị yard (ticket {booking.ticket})"
            )
        else:
            done.append(f"{in_yard.number} {in_yard.state} (the gate is closed now: not booked)")

    company2 = operator2.company_member.company
    if not Declaration.objects.filter(company=company2).exists():
        driver2 = company2.drivers.first()
        truck2 = company2.vehicles.first()
        imported = _declare(
            operator2,
            truck2,
            driver2,
            huu_nghi,
            tomorrow,
            MACHINERY,
            direction="import",
            containers=[{"number": "CSQU3054383", "size_ft": 40}],
            delivery_mode="inland",
        )
        _approve_all(imported)
        imported.refresh_from_db()
        start = timezone.make_aware(dt.datetime.combine(tomorrow, dt.time(9)))
        slot = _next_slot(huu_nghi, "import", after=start - dt.timedelta(minutes=1))
        if slot is not None and imported.state == "cleared" and truck2 is not None:
            booking_create(declaration=imported, slot=slot, actor=operator2)
            done.append(
                f"{imported.number} cleared, {truck2.plate} booked tomorrow {timezone.localtime(slot.start):%H:%M}"
            )
    return done
