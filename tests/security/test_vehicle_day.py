"""One live booking per vehicle per day, across all its declarations: a database constraint,
and a 409 that says which booking holds the day."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from cuakhau.errors import Conflict
from queueing import rules, services
from queueing.models import Booking, Slot
from queueing.rules import new_ticket
from tests.queueing.conftest import make_declaration, make_slot

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_trips(company, gate):  # type: ignore[no-untyped-def]
    """Two declarations of the same truck at the same gate."""
    first = make_declaration(company)
    second = make_declaration(company)
    second.vehicle = first.vehicle
    second.save(update_fields=["vehicle"])
    return first, second


def test_a_second_booking_of_the_same_truck_that_day_is_a_409_naming_the_first(
    two_trips, gate, owner, api_client
):
    first, second = two_trips
    morning = make_slot(gate, hours_ahead=24)
    later = make_slot(gate, start=morning.start + dt.timedelta(hours=2))
    held = services.booking_create(declaration=first, slot=morning, actor=owner)
    api_client.force_authenticate(owner)

    response = api_client.post(
        "/api/v1/bookings/", {"declaration": second.pk, "slot": later.pk}, format="json"
    )

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "vehicle_already_booked"
    assert held.ticket in body["detail"]
    assert first.number in body["detail"]
    later.refresh_from_db()
    assert later.booked == 0  # nothing half-applied
    assert Booking.objects.filter(vehicle=first.vehicle).count() == 1


def test_the_same_truck_may_book_another_day(two_trips, gate, owner):
    first, second = two_trips
    today = make_slot(gate, hours_ahead=24)
    services.booking_create(declaration=first, slot=today, actor=owner)

    other_day = services.booking_create(
        declaration=second, slot=make_slot(gate, start=today.start + dt.timedelta(days=1)), actor=owner
    )

    assert other_day.state == "confirmed"


def test_a_cancelled_booking_frees_the_day_for_the_truck(two_trips, gate, owner):
    first, second = two_trips
    slot = make_slot(gate, hours_ahead=24)
    services.booking_cancel(
        booking=services.booking_create(declaration=first, slot=slot, actor=owner), actor=owner
    )

    assert services.booking_create(declaration=second, slot=slot, actor=owner).state == "confirmed"


def test_rebooking_onto_a_day_the_truck_already_holds_is_refused(two_trips, gate, owner):
    first, second = two_trips
    day_one = make_slot(gate, hours_ahead=24)
    day_two = make_slot(gate, start=day_one.start + dt.timedelta(days=1))
    services.booking_create(declaration=first, slot=day_one, actor=owner)
    moving = services.booking_create(declaration=second, slot=day_two, actor=owner)

    with pytest.raises(Conflict) as caught:
        services.booking_rebook(
            booking=moving, slot=make_slot(gate, start=day_one.start + dt.timedelta(hours=2)), actor=owner
        )

    assert getattr(caught.value, "code", "") == "vehicle_already_booked"
    moving.refresh_from_db()
    assert moving.slot_id == day_two.pk


def test_the_database_refuses_two_live_bookings_of_one_plate_on_one_day(two_trips, gate):
    first, second = two_trips
    slot = make_slot(gate, hours_ahead=24)
    fields = {
        "slot": slot,
        "gate": gate,
        "company": first.company,
        "vehicle": first.vehicle,
        "plate_canonical": first.vehicle.plate_canonical,
        "slot_start": slot.start,
    }
    Booking.objects.create(declaration=first, ticket=new_ticket(), **fields)

    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.create(
            declaration=second,
            ticket=new_ticket(),
            **{**fields, "slot_start": slot.start + dt.timedelta(hours=3)},
        )


def _local(gate, day: dt.date, hour: int) -> dt.datetime:  # type: ignore[no-untyped-def]
    return dt.datetime.combine(day, dt.time(hour), tzinfo=rules.gate_zone(gate))


def _refused(call) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    with pytest.raises(Conflict) as caught:
        call()
    return caught.value.code, str(caught.value)


def test_the_refusal_names_the_plate_ticket_declaration_gate_and_the_gates_local_time(two_trips, gate, owner):
    """Booking or rebooking onto the truck's day: the same words, the holder's time at its gate
    (a gate on Beijing time says 08:00 where Hanoi's clock says 07:00)."""
    first, second = two_trips
    gate.timezone = "Asia/Shanghai"
    gate.save(update_fields=["timezone"])
    day = timezone.localdate(timezone=rules.gate_zone(gate)) + dt.timedelta(days=2)
    held = services.booking_create(
        declaration=first, slot=make_slot(gate, start=_local(gate, day, 8)), actor=owner
    )
    afternoon = make_slot(gate, start=_local(gate, day, 15))
    expected = (
        "vehicle_already_booked",
        f"The vehicle {first.vehicle.plate} already has a live booking that day: ticket {held.ticket}, "
        f"declaration {first.number}, {gate.name} at 08:00. Cancel or rebook that one first.",
    )

    assert (
        _refused(lambda: services.booking_create(declaration=second, slot=afternoon, actor=owner)) == expected
    )

    moving = services.booking_create(
        declaration=second,
        slot=make_slot(gate, start=_local(gate, day + dt.timedelta(days=1), 9)),
        actor=owner,
    )
    assert _refused(lambda: services.booking_rebook(booking=moving, slot=afternoon, actor=owner)) == expected
    assert Slot.objects.get(pk=afternoon.pk).booked == 0


def test_a_declaration_booked_again_is_told_to_rebook_on_its_own_day_or_another(company, gate, owner):
    """The second booking of one declaration: the same answer whether the day asked for is the day
    it holds (the holder found is itself) or another day (no holder that day)."""
    declaration = make_declaration(company)
    day = timezone.localdate(timezone=rules.gate_zone(gate)) + dt.timedelta(days=2)
    services.booking_create(
        declaration=declaration, slot=make_slot(gate, start=_local(gate, day, 8)), actor=owner
    )
    expected = ("already_booked", "This declaration already has a live booking; rebook it instead.")
    same_day = make_slot(gate, start=_local(gate, day, 15))
    next_day = make_slot(gate, start=_local(gate, day + dt.timedelta(days=1), 8))

    assert (
        _refused(lambda: services.booking_create(declaration=declaration, slot=same_day, actor=owner))
        == expected
    )
    assert (
        _refused(lambda: services.booking_create(declaration=declaration, slot=next_day, actor=owner))
        == expected
    )
    assert [Slot.objects.get(pk=s.pk).booked for s in (same_day, next_day)] == [0, 0]
    assert Booking.objects.filter(declaration=declaration).count() == 1


def test_a_rebook_is_refused_only_for_a_live_booking_of_the_truck_on_that_very_day(company, gate, owner):
    """The truck's bookings the day before and the day after, and a cancelled one on the day,
    do not hold the day a booking moves to."""
    first, cancelled, after, moving = (make_declaration(company) for _ in range(4))
    for declaration in (cancelled, after, moving):
        declaration.vehicle = first.vehicle
        declaration.save(update_fields=["vehicle"])
    day = timezone.localdate(timezone=rules.gate_zone(gate)) + dt.timedelta(days=2)

    def on(offset: int, hour: int) -> Slot:
        return make_slot(gate, start=_local(gate, day + dt.timedelta(days=offset), hour))

    services.booking_create(declaration=first, slot=on(-1, 23), actor=owner)  # the evening before
    services.booking_create(declaration=after, slot=on(1, 0), actor=owner)  # just after midnight
    services.booking_cancel(
        booking=services.booking_create(declaration=cancelled, slot=on(0, 8), actor=owner), actor=owner
    )
    booking = services.booking_create(declaration=moving, slot=on(2, 8), actor=owner)
    target = on(0, 12)

    services.booking_rebook(booking=booking, slot=target, actor=owner)

    assert Booking.objects.get(pk=booking.pk).slot_id == target.pk
    assert Slot.objects.get(pk=target.pk).booked == 1
