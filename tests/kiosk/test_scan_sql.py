"""The scan's hand-written statements (queueing/kiosk/services/sql.py) against the ORM queries
they replace: the same rows, every field equal, the related objects there without a query."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.models import Model
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from queueing.kiosk.models import Device, GateEvent
from queueing.kiosk.services import sql
from queueing.models import LIVE_BOOKING_STATES, Booking
from tests import factories

from .conftest import make_booking

pytestmark = pytest.mark.django_db

RELATED = ["slot", "vehicle", "declaration", "declaration__driver"]


def fields(obj: Model) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def assert_same_booking(mine: Booking, orm: Booking) -> None:
    assert fields(mine) == fields(orm)
    # the related rows come with the booking, as select_related brings them: no query
    with CaptureQueriesContext(connection) as queries:
        assert fields(mine.slot) == fields(orm.slot)
        assert fields(mine.vehicle) == fields(orm.vehicle)
        assert fields(mine.declaration) == fields(orm.declaration)
        assert fields(mine.declaration.driver) == fields(orm.declaration.driver)
    assert queries.captured_queries == []
    assert mine._state.adding is False and mine._state.db == "default"


@pytest.fixture
def bookings(gate):  # type: ignore[no-untyped-def]
    other = factories.gate("CHI_MA")
    day = dt.timedelta(days=1)
    now = timezone.now()
    # One live booking per truck and day: the plate's live trips are on different days.
    return [
        make_booking(plate="12C-123.45", state="confirmed", channel="red", perishable=True),
        make_booking(plate="12C-123.45", state="in_yard", slot_start=now - day),
        make_booking(plate="12C-123.45", state="called", gate=other, slot_start=now + day),
        make_booking(plate="12C-123.45", state="departed", slot_start=now - 2 * day),
        make_booking(plate="29H-777.01", state="inspection", inspection_required=True, fee=300_000),
        make_booking(plate="29H-777.02", state="cancelled", declaration_state="cancelled"),
    ]


def orm() -> object:
    return Booking.objects.select_related(*RELATED)


def test_a_booking_by_ticket_is_the_orms(bookings):
    for booking in bookings:
        assert_same_booking(sql.booking_by_ticket(booking.ticket), orm().get(ticket=booking.ticket))
    assert sql.booking_by_ticket("CK1-NOSUCHTICKET") is None


def test_a_booking_by_id_is_the_orms(bookings):
    for booking in bookings:
        assert_same_booking(sql.booking_by_id(booking.pk), orm().get(pk=booking.pk))
    assert sql.booking_by_id(10**9) is None


@pytest.mark.parametrize("plate", ["12C12345", "29H77701", "29H77702", "99Z99999"])
def test_a_plates_live_bookings_are_the_orms(bookings, plate):
    mine = {b.pk: b for b in sql.live_bookings_of_plate(plate)}
    theirs = {b.pk: b for b in orm().filter(plate_canonical=plate, state__in=LIVE_BOOKING_STATES)}
    assert mine.keys() == theirs.keys()
    for pk, booking in mine.items():
        assert_same_booking(booking, theirs[pk])
    if plate == "12C12345":
        assert len(mine) == 3  # confirmed, in the yard, called at another gate; not the departed one


def test_the_gates_live_plates_are_the_orms(bookings, gate):
    plates = ["12C12345", "29H77701", "29H77702", "99Z99999"]
    theirs = dict(
        Booking.objects.filter(gate=gate, plate_canonical__in=plates, state__in=LIVE_BOOKING_STATES)
        .order_by()
        .values_list("plate_canonical", "vehicle__plate")
        .distinct()
    )
    assert (
        sql.live_plates_at_gate(gate.pk, plates)
        == theirs
        == {"12C12345": "12C-123.45", "29H77701": "29H-777.01"}
    )
    assert sql.live_plates_at_gate(gate.pk, []) == {}


def test_the_latest_exit_of_a_plate_is_the_orms(gate):
    old, new = (make_booking(plate="12C-123.45", state="departed") for _ in range(2))
    now = timezone.now()

    def event(booking: Booking, minutes_ago: int, **extra: str) -> None:
        fields = {"kind": "action", "action": "exit", "state_after": "departed"} | extra
        GateEvent.objects.create(
            gate=gate, plate_canonical="12C12345", booking=booking, verdict="allow", reason_code="exit",
            created=now - dt.timedelta(minutes=minutes_ago), **fields,
        )  # fmt: skip

    event(old, 90)
    event(new, 30)
    event(new, 5, kind="scan")  # a later read of the plate is not an exit
    event(old, 1, action="release", state_after="called")  # nor another action
    since = now - dt.timedelta(hours=1)
    theirs = (
        GateEvent.objects.filter(
            plate_canonical="12C12345",
            kind="action",
            action="exit",
            state_after="departed",
            created__gte=since,
        )
        .order_by("-created")
        .values_list("booking_id", flat=True)
        .first()
    )
    assert sql.exit_booking_id("12C12345", since) == theirs == new.pk
    assert sql.exit_booking_id("12C12345", now) is None
    assert sql.exit_booking_id("29H77701", since) is None


def test_the_device_of_a_prefix_is_the_orms(device):
    obj, _key = device
    mine = sql.active_device_with_gate(obj.key_prefix)
    theirs = Device.objects.select_related("gate").get(key_prefix=obj.key_prefix, is_active=True)
    assert fields(mine) == fields(theirs)
    with CaptureQueriesContext(connection) as queries:
        assert fields(mine.gate) == fields(theirs.gate)
    assert queries.captured_queries == []
    Device.objects.filter(pk=obj.pk).update(is_active=False)
    assert sql.active_device_with_gate(obj.key_prefix) is None
    assert sql.active_device_with_gate("nosuchpf") is None


def test_an_inserted_event_is_the_row_the_orm_reads_back(gate, device):
    booking = make_booking(plate="12C-123.45")
    event = sql.insert_event(
        GateEvent(
            gate=gate, lane="1", device=device[0], raw="12C-123.45", plate_canonical="12C12345",
            verdict="check", reason_code="plate_unsure", reason="…", flags=["fuzzy_read", "perishable"],
            candidates=["12C-123.46"], booking=booking,
        )
    )  # fmt: skip
    assert event.pk is not None and event._state.adding is False
    assert fields(GateEvent.objects.get(pk=event.pk)) == fields(event)
    with pytest.raises(ValueError):
        sql.insert_event(event)


def test_the_yard_position_is_the_queues(gate):
    from queueing.selectors import queue_position

    now = timezone.now()
    minute = dt.timedelta(minutes=1)
    yard = [
        make_booking(state="in_yard", slot_start=now, checked_in_at=now),
        make_booking(state="in_yard", slot_start=now, checked_in_at=now),  # same times: id decides
        make_booking(state="in_yard", slot_start=now - 60 * minute, checked_in_at=now + minute),
        make_booking(state="inspection", slot_start=now, checked_in_at=now - minute),
        make_booking(state="in_yard", perishable=True, slot_start=now + 60 * minute, checked_in_at=now),
        make_booking(
            state="in_yard", perishable=True, slot_start=now + 60 * minute, checked_in_at=now - minute
        ),
        make_booking(state="in_yard", gate=factories.gate("CHI_MA"), slot_start=now - 90 * minute),
    ]
    others = [make_booking(state="confirmed"), make_booking(state="called"), make_booking(state="departed")]
    positions = [sql.yard_position(b) for b in yard]
    assert positions == [queue_position(b) for b in yard]
    assert positions == [5, 6, 3, 4, 2, 1, 1]
    assert [sql.yard_position(b) for b in others] == [queue_position(b) for b in others] == [None] * 3


@pytest.mark.parametrize("fee", [None, 0, 250_000])
def test_the_fee_read_is_the_declarations_fee(gate, fee):
    from declarations.fees.models import Fee
    from declarations.fees.selectors import fee_unpaid_amount

    booking = make_booking(state="in_yard", fee=fee)
    alone = Booking.objects.get(pk=booking.pk).declaration  # read on its own: `read_fee`
    assert not sql.fee_is_read(alone)
    sql.read_fee(alone)
    looked_up = sql.booking_by_id(booking.pk)
    sql.read_fee_and_place(looked_up)  # read with the queue place
    with_booking = looked_up.declaration
    theirs = Booking.objects.get(pk=booking.pk).declaration
    theirs_amount = fee_unpaid_amount(theirs)
    for mine in (alone, with_booking):
        assert sql.fee_is_read(mine)
        with CaptureQueriesContext(connection) as queries:
            amount = fee_unpaid_amount(mine)
            if fee is None:
                with pytest.raises(Fee.DoesNotExist):
                    mine.fee  # noqa: B018
            else:
                assert fields(mine.fee) == fields(theirs.fee)
        assert queries.captured_queries == []
        assert amount == theirs_amount == (fee or None)


def test_the_fee_and_queue_place_read_together_are_the_orms(gate):
    """`read_fee_and_place`'s fee (FEE_STATES) and queue place (yard states) against the fee's
    ORM row, `queue_position` and the order of `yard_queue`, in one yard with every rule of
    its order at work, after each of the three lookups: one statement, then none."""
    from declarations.fees.models import Fee
    from queueing.selectors import queue_position, yard_queue

    now = timezone.now()
    minute = dt.timedelta(minutes=1)
    other = factories.gate("CHI_MA")
    yard = [
        # perishable first, whatever its slot
        make_booking(state="in_yard", perishable=True, slot_start=now + 60 * minute, checked_in_at=now),
        # then the earlier slot, though checked in last
        make_booking(state="in_yard", slot_start=now - 60 * minute, checked_in_at=now + minute, fee=0),
        # same slot: the earlier check-in first; in inspection it keeps its place
        make_booking(state="inspection", slot_start=now, checked_in_at=now - minute, fee=120_000),
        make_booking(state="in_yard", slot_start=now, checked_in_at=now, fee=90_000, fee_state="paid"),
        # same slot and check-in: the id decides
        make_booking(state="in_yard", slot_start=now, checked_in_at=now, fee=70_000),
        make_booking(state="in_yard", slot_start=now, checked_in_at=now),  # no fee
        # another gate's yard is another queue
        make_booking(state="in_yard", gate=other, slot_start=now + 90 * minute, fee=50_000),
    ]
    outside = [
        make_booking(state="called", fee=40_000),  # at the lane: its fee, no place
        make_booking(state="called"),  # at the lane, no fee
        make_booking(state="confirmed", fee=30_000),  # not yet in: neither
    ]
    order = list(yard_queue(gate).values_list("pk", flat=True))
    assert order == [b.pk for b in yard[:6]]  # the situations above are what they say

    for booking in yard + outside:
        lookups = [
            sql.booking_by_id(booking.pk),
            sql.booking_by_ticket(booking.ticket),
            next(b for b in sql.live_bookings_of_plate(booking.plate_canonical) if b.pk == booking.pk),
        ]
        theirs = Booking.objects.get(pk=booking.pk)
        place = order.index(booking.pk) + 1 if booking.pk in order else queue_position(theirs)
        assert queue_position(theirs) == place
        try:
            fee = fields(theirs.declaration.fee)
        except Fee.DoesNotExist:
            fee = None
        for mine in lookups:
            with CaptureQueriesContext(connection) as read:
                sql.read_fee_and_place(mine)
            needed = booking.state in sql.FEE_STATES or booking.state in ("in_yard", "inspection")
            assert len(read.captured_queries) == (1 if needed else 0)
            with CaptureQueriesContext(connection) as queries:
                assert sql.yard_position(mine) == place
                if booking.state in sql.FEE_STATES:
                    assert sql.fee_is_read(mine.declaration)
                    mine_fee = fields(mine.declaration.fee) if fee is not None else None
                    assert mine_fee == fee
                else:
                    assert not sql.fee_is_read(mine.declaration)  # left to the ORM, as before
            assert queries.captured_queries == []

    def read(booking: Booking) -> int | None:
        mine = sql.booking_by_id(booking.pk)
        sql.read_fee_and_place(mine)
        return sql.yard_position(mine)

    assert [read(b) for b in yard] == [1, 2, 3, 4, 5, 6, 1]
    assert [read(b) for b in outside] == [None] * 3


def test_a_queue_place_read_with_the_fee_is_not_kept_past_a_state_change(gate):
    from queueing.selectors import queue_position

    first = make_booking(state="in_yard", perishable=True)
    second = sql.booking_by_id(make_booking(state="in_yard").pk)
    sql.read_fee_and_place(second)
    assert sql.yard_position(second) == 2
    Booking.objects.filter(pk=first.pk).update(state="called")
    with CaptureQueriesContext(connection) as queries:
        assert sql.yard_position(second) == 2  # the place as read with the booking, no statement
    assert queries.captured_queries == []
    assert sql.yard_position(Booking.objects.get(pk=second.pk)) == queue_position(second) == 1
    second.call()  # the transition, in memory: the place read with it no longer holds
    assert sql.yard_position(second) is None
