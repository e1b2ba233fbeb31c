"""Fixtures of the queueing tests: slots, bookable declarations, bookings in any state."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from queueing import services
from queueing.models import Slot
from tests import factories


def make_slot(
    gate,
    *,
    start=None,
    hours_ahead: float = 24,
    capacity: int = 10,
    direction: str = "export",
    minutes: int = 60,
):  # type: ignore[no-untyped-def]
    if start is None:
        start = (timezone.now() + dt.timedelta(hours=hours_ahead)).replace(second=0, microsecond=0)
        # Tests asking for "a slot about then" get distinct slots.
        while Slot.objects.filter(gate=gate, direction=direction, start=start).exists():
            start += dt.timedelta(minutes=minutes)
    return Slot.objects.create(
        gate=gate,
        direction=direction,
        start=start,
        end=start + dt.timedelta(minutes=minutes),
        capacity=capacity,
    )


def make_declaration(
    company,
    *,
    state: str = "submitted",
    gate=None,
    direction: str = "export",
    perishable: bool = False,
    channel=None,
):  # type: ignore[no-untyped-def]
    declaration = factories.DeclarationFactory(
        company=company, state=state, direction=direction, channel=channel, **({"gate": gate} if gate else {})
    )
    factories.CargoLineFactory(declaration=declaration, perishable=perishable)
    return declaration


@pytest.fixture
def slot(gate):  # type: ignore[no-untyped-def]
    return make_slot(gate)


@pytest.fixture
def declaration(company):  # type: ignore[no-untyped-def]
    return make_declaration(company)


@pytest.fixture
def booking(declaration, slot, owner):  # type: ignore[no-untyped-def]
    return services.booking_create(declaration=declaration, slot=slot, actor=owner)
