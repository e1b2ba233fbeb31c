"""Fixtures of the kiosk tests: bookings in any state built directly (not through booking_create,
which has rules of its own), devices with their keys, gate staff."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from cuakhau.accounts.roles import Role
from declarations.fees.models import Fee, FeeSchedule
from queueing.kiosk.services import device_create
from queueing.models import Booking, Slot
from queueing.rules import new_ticket
from tests import factories
from vehicles.models import Vehicle
from vehicles.plates import canonical_plate

# A fixed morning at the gates (Asia/Ho_Chi_Minh, UTC+7) for tests that freeze time.
MORNING = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))


def make_slot(gate, *, start=None, minutes: int = 60, direction: str = "export"):  # type: ignore[no-untyped-def]
    start = start or timezone.now().replace(second=0, microsecond=0)
    slot, _created = Slot.objects.get_or_create(
        gate=gate,
        direction=direction,
        start=start,
        defaults={"end": start + dt.timedelta(minutes=minutes), "capacity": 50, "booked": 1},
    )
    return slot


def make_booking(
    *,
    gate=None,
    state: str = "confirmed",
    declaration_state: str = "cleared",
    channel: str | None = "green",
    slot_start=None,
    plate: str | None = None,
    country: str = "VN",
    direction: str = "export",
    perishable: bool = False,
    inspection_required: bool = False,
    inspection_passed: bool = False,
    fee: int | None = None,
    fee_state: str = "unpaid",
    **extra,
):  # type: ignore[no-untyped-def]
    """A booking in `state` with its declaration in `declaration_state`, its slot starting at
    `slot_start` (default: now), and optionally a fee of `fee` VND."""
    gate = gate or factories.gate("HUU_NGHI")
    # The same plate again is the same truck on another trip.
    vehicle = (
        Vehicle.objects.filter(plate_canonical=canonical_plate(plate), country=country).first()
        if plate
        else None
    )
    if vehicle is None:
        vehicle = factories.VehicleFactory(country=country, **({"plate": plate} if plate else {}))
    company = vehicle.company
    declaration = factories.DeclarationFactory(
        company=company,
        vehicle=vehicle,
        gate=gate,
        direction=direction,
        state=declaration_state,
        channel=channel,
    )
    slot = make_slot(gate, start=slot_start, direction=direction)
    now = timezone.now()
    times = {}
    if state in {"in_yard", "inspection", "called", "departed"}:
        times["checked_in_at"] = extra.pop("checked_in_at", now)
    if state in {"called", "departed"}:
        times["called_at"] = extra.pop("called_at", now)
    if state == "departed":
        times["departed_at"] = extra.pop("departed_at", now)
    booking = Booking.objects.create(
        declaration=declaration,
        slot=slot,
        gate=gate,
        company=company,
        vehicle=vehicle,
        plate_canonical=vehicle.plate_canonical,
        slot_start=slot.start,
        perishable=perishable,
        state=state,
        ticket=new_ticket(),
        inspection_required=inspection_required,
        inspection_passed_at=now if inspection_passed else None,
        **times,
        **extra,
    )
    if fee is not None:
        Fee.objects.create(
            declaration=declaration, schedule=FeeSchedule.objects.first(), amount=fee, state=fee_state
        )
    return booking


@pytest.fixture
def gate_staff_at_huu_nghi(db):  # type: ignore[no-untyped-def]
    return factories.staff_user(Role.GATE_STAFF, gates=["HUU_NGHI"])


@pytest.fixture
def device(gate):  # type: ignore[no-untyped-def]
    """(device, key) at HUU_NGHI lane 1."""
    return device_create(gate=gate, lane="1", name="ANPR yard entry")


@pytest.fixture
def device_client(device):  # type: ignore[no-untyped-def]
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {device[1]}")
    return client
