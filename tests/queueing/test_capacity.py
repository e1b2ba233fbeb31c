from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from cuakhau.errors import DomainError
from cuakhau.notifications.models import Notification
from queueing import rules, services
from queueing.models import Booking, BookingState, CapacityOverride, CapacityTemplate, Slot
from tests import factories

from .conftest import make_declaration, make_slot

pytestmark = pytest.mark.django_db


def test_the_seeded_templates_give_huu_nghi_about_its_daily_clearance(gate):
    made = services.slots_generate(gate=gate, days=1, start_date=dt.date(2030, 1, 7))
    slots = Slot.objects.filter(gate=gate)
    assert made == slots.count() == 16 * 3  # 06:00–22:00 hourly, three directions
    assert 750 <= sum(s.capacity for s in slots) <= 1100
    first = slots.order_by("start").first()
    assert timezone.localtime(first.start).hour == 6


def test_slot_generation_is_idempotent(gate):
    first = services.slots_generate(gate=gate, days=3)
    assert first > 0
    assert services.slots_generate(gate=gate, days=3) == 0
    assert services.slots_generate(days=3) > 0  # the other gates
    assert services.slots_generate(days=3) == 0


def test_overrides_close_resize_and_extend_a_day(gate):
    day = dt.date(2030, 1, 8)
    CapacityOverride.objects.create(gate=gate, date=day, kind="closed", direction="empty", reason="holiday")
    CapacityOverride.objects.create(
        gate=gate,
        date=day,
        kind="capacity",
        direction="export",
        capacity=5,
        opens=dt.time(6),
        closes=dt.time(8),
        reason="works",
    )
    CapacityOverride.objects.create(
        gate=gate,
        date=day,
        kind="extra_hours",
        direction="import",
        opens=dt.time(22),
        closes=dt.time(23),
        reason="peak",
    )
    CapacityOverride.objects.create(
        gate=gate,
        date=day,
        kind="closed",
        direction="export",
        opens=dt.time(12),
        closes=dt.time(13),
        reason="lunch",
    )
    services.slots_generate(gate=gate, days=1, start_date=day)
    start, end = rules.local_day_bounds(gate, day)
    day_slots = Slot.objects.filter(gate=gate, start__gte=start, start__lt=end)
    assert not day_slots.filter(direction="empty").exists()
    export = {timezone.localtime(s.start).hour: s.capacity for s in day_slots.filter(direction="export")}
    assert export[6] == export[7] == 5 and export[8] == 17 and 12 not in export
    imports = day_slots.filter(direction="import")
    assert imports.count() == 17 and timezone.localtime(imports.last().start).hour == 22


def test_a_template_is_edited_by_its_own_rule_not_by_regeneration(gate):
    CapacityTemplate.objects.filter(gate=gate).update(capacity=1)
    services.slots_generate(gate=gate, days=1, start_date=dt.date(2030, 1, 9))
    assert set(Slot.objects.filter(gate=gate).values_list("capacity", flat=True)) == {1}


def _three_bookings(company, owner, gate, slot):  # type: ignore[no-untyped-def]
    return [
        services.booking_create(declaration=make_declaration(company), slot=slot, actor=owner)
        for _ in range(3)
    ]


def test_closing_a_slot_moves_bookings_in_booking_order_or_cancels_them(company, owner, gate):
    start = (timezone.now() + dt.timedelta(days=2)).replace(hour=3, minute=0, second=0, microsecond=0)
    closing = make_slot(gate, start=start, capacity=5)
    next_one = make_slot(gate, start=start + dt.timedelta(hours=1), capacity=1)
    after = make_slot(gate, start=start + dt.timedelta(hours=2), capacity=1)
    a, b, c = _three_bookings(company, owner, gate, closing)
    result = services.slot_close(slot=closing, reason="storm")
    assert result == {"moved": 2, "cancelled": 1}
    for x in (a, b, c):
        x.refresh_from_db()
    assert (a.slot_id, b.slot_id) == (next_one.pk, after.pk)
    assert c.state == BookingState.CANCELLED
    closing.refresh_from_db()
    assert closing.is_closed and closing.booked == 0
    assert Notification.objects.filter(event="booking.moved", subject_id=a.pk, payload__note="storm").exists()
    assert Notification.objects.filter(event="booking.cancelled", subject_id=c.pk).exists()
    assert services.slot_close(slot=closing) == {"moved": 0, "cancelled": 0}


def test_shrinking_a_slot_moves_the_latest_bookings_out(company, owner, gate):
    start = (timezone.now() + dt.timedelta(days=2)).replace(hour=3, minute=0, second=0, microsecond=0)
    slot = make_slot(gate, start=start, capacity=5)
    later = make_slot(gate, start=start + dt.timedelta(hours=1), capacity=5)
    a, b, c = _three_bookings(company, owner, gate, slot)
    assert services.slot_shrink(slot=slot, capacity=1, reason="lane works") == {"moved": 2, "cancelled": 0}
    slot.refresh_from_db()
    later.refresh_from_db()
    assert (slot.capacity, slot.booked, later.booked) == (1, 1, 2)
    assert Booking.objects.get(pk=a.pk).slot_id == slot.pk
    assert {Booking.objects.get(pk=x.pk).slot_id for x in (b, c)} == {later.pk}


def test_a_slot_cannot_shrink_below_the_trucks_already_in_the_yard(company, owner, gate):
    slot = make_slot(gate, hours_ahead=0.5, capacity=3)
    booking = services.booking_create(declaration=make_declaration(company), slot=slot, actor=owner)
    services.booking_check_in(booking=booking)
    with pytest.raises(DomainError):
        services.slot_shrink(slot=slot, capacity=0)
    slot.refresh_from_db()
    assert slot.capacity == 3


def test_a_closure_override_applied_to_existing_slots_moves_their_bookings(company, owner, gate):
    day = timezone.localdate() + dt.timedelta(days=3)
    services.slots_generate(gate=gate, days=1, start_date=day)
    slot = Slot.objects.filter(gate=gate, direction="export").order_by("start").first()
    booking = services.booking_create(declaration=make_declaration(company), slot=slot, actor=owner)
    override = CapacityOverride.objects.create(
        gate=gate,
        date=day,
        kind="closed",
        direction="export",
        opens=dt.time(6),
        closes=dt.time(7),
        reason="VIP visit",
    )
    assert services.capacity_override_apply(override=override)["closed"] == 1
    booking.refresh_from_db()
    assert booking.slot.start == slot.start + dt.timedelta(hours=1)


def test_other_gates_have_their_own_calendar():
    coc_nam = factories.gate("COC_NAM")
    services.slots_generate(gate=coc_nam, days=1, start_date=dt.date(2030, 1, 7))
    assert set(Slot.objects.filter(gate=coc_nam).values_list("direction", flat=True)) == {"export", "import"}


def test_only_a_manager_of_the_gate_closes_or_resizes_its_slots(owner, gate_staff, gate):
    from cuakhau.errors import NotAllowed
    from tests.factories import staff_user

    slot = make_slot(gate, capacity=3)
    elsewhere = staff_user("gate_manager", gates=["COC_NAM"])
    for actor in (owner, gate_staff, elsewhere):
        with pytest.raises(NotAllowed):
            services.slot_close(slot=slot, actor=actor)
        with pytest.raises(NotAllowed):
            services.slot_set_capacity(slot=slot, capacity=1, actor=actor)
    slot.refresh_from_db()
    assert not slot.is_closed and slot.capacity == 3


def test_an_override_that_cannot_apply_to_every_slot_of_its_day_changes_none(company, owner, gate):
    # 10:00 keeps its two bookings only if the shrink of 11:00 (two trucks already in the yard)
    # cannot be done: the override applies to the whole day or not at all, never half.
    start = (timezone.now() + dt.timedelta(days=2)).replace(hour=3, minute=0, second=0, microsecond=0)
    first = make_slot(gate, start=start, capacity=5)
    busy = make_slot(gate, start=start + dt.timedelta(hours=1), capacity=5)
    kept = [
        services.booking_create(declaration=make_declaration(company), slot=first, actor=owner)
        for _ in range(2)
    ]
    for _ in range(2):
        declaration = make_declaration(company)
        Booking.objects.create(
            declaration=declaration,
            slot=busy,
            gate=gate,
            company=company,
            vehicle=declaration.vehicle,
            plate_canonical=declaration.vehicle.plate_canonical,
            slot_start=busy.start,
            state=BookingState.IN_YARD,
            ticket=rules.new_ticket(),
        )
    Slot.objects.filter(pk=busy.pk).update(booked=2)
    override = CapacityOverride.objects.create(
        gate=gate,
        date=rules.local_date(gate, start),
        kind="capacity",
        direction="export",
        capacity=1,
        reason="x",
    )
    with pytest.raises(DomainError):
        services.capacity_override_apply(override=override)
    first.refresh_from_db()
    busy.refresh_from_db()
    assert (first.capacity, first.booked, busy.capacity, busy.booked) == (5, 2, 5, 2)
    assert {b.slot_id for b in Booking.objects.filter(pk__in=[b.pk for b in kept])} == {first.pk}
