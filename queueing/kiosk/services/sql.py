"""The hand-written statements of the scan's hot path, and the model objects they read.

A scan runs the same three or four small statements thousands of times a day. Building them
through the ORM (a QuerySet cloned, compiled to SQL, its rows turned into objects) cost more CPU
than PostgreSQL spent running them; here each statement's text is built ONCE per process from
the models' own columns and the joins written out, and rows become model instances the way the
ORM makes them (`Model.from_db`, the fields' converters, the related objects cached as
`select_related` caches them). Everything else about the objects is the ORM's: they save,
refresh and follow relations as usual.

`tests/kiosk/test_scan_sql.py` compares every statement here with the ORM query it replaces, row
for row and field for field, so a column added to a model is read here too (the column lists
come from `_meta`) and a rule written here cannot drift from the ORM's.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.db.models import Model

from cuakhau.sqlrows import Reader, cache_related, layout
from declarations.fees.models import Fee
from declarations.models import Declaration
from queueing.models import LIVE_BOOKING_STATES, Booking, BookingState, Slot
from queueing.selectors import YARD_STATES
from vehicles.models import Driver, Gate, Vehicle

from ..models import Actions, Device, EventKind, GateEvent

# --- the queue of a yard -------------------------------------------------------------------
_YARD = tuple(str(state) for state in YARD_STATES)
# The states whose fee the verdict's fee rule reads (a truck the gate may release or let out).
FEE_STATES = (BookingState.IN_YARD, BookingState.CALLED)


def _literals(values: Sequence[str]) -> str:
    # Our own enum values (never a read), written as literals so that the planner sees them.
    return ", ".join(f"'{value}'" for value in values)


def _position_sql(gate_id: str, perishable: str, slot_start: str, checked_in_at: str, pk: str) -> str:
    """The ONE statement of a yard booking's place in its queue: 1 + the yard bookings of its
    gate that come before it in YARD_ORDER (perishable first, slot start, check-in, id), the
    order written as one row comparison. The arguments are the booking's values as SQL: `%s`
    for a booking at hand (`yard_position`), its columns for the booking row of a lookup."""
    return (
        f"SELECT COUNT(*) + 1 FROM {Booking._meta.db_table} q "
        f"WHERE q.gate_id = {gate_id} AND q.state IN ({_literals(_YARD)}) "
        "AND (NOT q.perishable, q.slot_start, q.checked_in_at, q.id) "
        f"< (NOT {perishable}, {slot_start}, {checked_in_at}, {pk})"
    )


# The name under which a booking keeps the queue place `read_fee_and_place` read, with its state then.
_POSITION = "_kiosk_yard_position"


# --- the booking of a scan ------------------------------------------------------------------
# The booking with only what the verdict and the reply read: slot, vehicle, declaration and its
# driver. Not the gate (the device's or kiosk's own object is reused) and not the fee or the
# queue place (read by `read_fee_and_place` only for a truck in the yard or at the lane: a sixth
# relation here, with the COUNT, took every scan's lookup planning from 0.35 to 0.8 ms).
class _BookingLookup:
    def __init__(self) -> None:
        self.booking = Reader(Booking, "b")
        self.slot = Reader(Slot, "s")
        self.vehicle = Reader(Vehicle, "v")
        self.declaration = Reader(Declaration, "d")
        self.driver = Reader(Driver, "r")
        select = layout(self.booking, self.slot, self.vehicle, self.declaration, self.driver)
        self.sql = (
            f"SELECT {select} FROM {Booking._meta.db_table} b "
            f"INNER JOIN {Slot._meta.db_table} s ON s.id = b.slot_id "
            f"INNER JOIN {Vehicle._meta.db_table} v ON v.id = b.vehicle_id "
            f"INNER JOIN {Declaration._meta.db_table} d ON d.id = b.declaration_id "
            f"INNER JOIN {Driver._meta.db_table} r ON r.id = d.driver_id "
        )

    def run(self, where: str, params: Sequence[Any]) -> list[Booking]:
        with connection.cursor() as cursor:
            cursor.execute(self.sql + where, params)
            rows = cursor.fetchall()
        found = []
        for row in rows:
            booking = self.booking.make(row)
            declaration = self.declaration.make(row)
            cache_related(declaration, "driver", self.driver.make(row))
            cache_related(booking, "slot", self.slot.make(row))
            cache_related(booking, "vehicle", self.vehicle.make(row))
            cache_related(booking, "declaration", declaration)
            found.append(booking)
        return found  # type: ignore[return-value]


@functools.cache
def _booking_lookup() -> _BookingLookup:
    return _BookingLookup()


_LIVE = tuple(str(state) for state in LIVE_BOOKING_STATES)


def booking_by_ticket(ticket: str) -> Booking | None:
    """The booking with this ticket (unique index), with slot, vehicle, declaration and driver."""
    rows = _booking_lookup().run("WHERE b.ticket = %s", [ticket])
    return rows[0] if rows else None


def live_bookings_of_plate(canonical: str, limit: int = 20) -> list[Booking]:
    """A plate's live bookings (partial index of live bookings), as `booking_by_ticket` reads them."""
    return _booking_lookup().run(
        f"WHERE b.plate_canonical = %s AND b.state IN ({_in(_LIVE)}) LIMIT %s", [canonical, *_LIVE, limit]
    )


def booking_by_id(pk: int) -> Booking | None:
    """One booking by key, as `booking_by_ticket` reads it."""
    rows = _booking_lookup().run("WHERE b.id = %s", [pk])
    return rows[0] if rows else None


def _in(values: Sequence[Any]) -> str:
    return ", ".join(["%s"] * len(values))


@functools.cache
def _exit_sql() -> str:
    # The conditions of the partial index gateevent_exit_plate_idx, as literals so that the
    # planner matches them with the index's predicate.
    return (
        f"SELECT booking_id FROM {GateEvent._meta.db_table} "
        f"WHERE plate_canonical = %s AND kind = '{EventKind.ACTION}' AND action = '{Actions.EXIT}' "
        f"AND state_after = '{BookingState.DEPARTED}' AND created >= %s "
        "ORDER BY created DESC LIMIT 1"
    )


def exit_booking_id(canonical: str, since: dt.datetime) -> int | None:
    """The booking of this plate's latest exit since `since` (partial index of exits), if any."""
    with connection.cursor() as cursor:
        cursor.execute(_exit_sql(), [canonical, connection.ops.adapt_datetimefield_value(since)])
        row = cursor.fetchone()
    return row[0] if row else None


def live_plates_at_gate(gate_id: int, plates: Sequence[str], limit: int = 50) -> dict[str, str]:
    """{canonical plate: display plate} of the gate's live bookings whose plate is in `plates`,
    each plate once (partial index of live bookings)."""
    if not plates:
        return {}
    values: list[Any]
    if connection.vendor == "postgresql":
        # One array parameter for the few hundred variants of a read, not one parameter each.
        among, values = "= ANY(%s)", [list(plates)]
    else:
        among, values = f"IN ({_in(plates)})", list(plates)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT b.plate_canonical, v.plate FROM {Booking._meta.db_table} b "
            f"INNER JOIN {Vehicle._meta.db_table} v ON v.id = b.vehicle_id "
            f"WHERE b.gate_id = %s AND b.plate_canonical {among} AND b.state IN ({_in(_LIVE)}) "
            "LIMIT %s",
            [gate_id, *values, *_LIVE, limit],
        )
        return dict(cursor.fetchall())


# --- a truck in the yard or at the lane ----------------------------------------------------
class _FeeLookup:
    def __init__(self) -> None:
        self.fee = Reader(Fee, "f")
        layout(self.fee)
        self.sql = f"SELECT {self.fee.columns} FROM {Fee._meta.db_table} f WHERE f.declaration_id = %s"

    def run(self, declaration: Declaration) -> None:
        with connection.cursor() as cursor:
            cursor.execute(self.sql, [declaration.pk])
            row = cursor.fetchone()
        _cache_fee(declaration, self.fee.make(row) if row else None)


def _cache_fee(declaration: Declaration, fee: Model | None) -> None:
    # Cached as the reverse one-to-one caches it: `declaration.fee` is this row, or raises
    # Fee.DoesNotExist when there is none — without a query either way.
    Declaration.fee.related.set_cached_value(declaration, fee)


@functools.cache
def _fee_lookup() -> _FeeLookup:
    return _FeeLookup()


def read_fee(declaration: Declaration) -> None:
    """Read the declaration's fee (one index lookup) into `declaration.fee`."""
    _fee_lookup().run(declaration)


def fee_is_read(declaration: Declaration) -> bool:
    """Whether `declaration.fee` is there without a query."""
    return Declaration.fee.related.is_cached(declaration)


class _YardLookup:
    """The fee (FEE_STATES) and the queue place (yard states) of a booking, in ONE statement:
    the booking row by key, its fee LEFT JOINed, its place as `_position_sql`'s scalar COUNT."""

    def __init__(self) -> None:
        self.fee = Reader(Fee, "f")
        select = layout(self.fee)
        position = _position_sql("b.gate_id", "b.perishable", "b.slot_start", "b.checked_in_at", "b.id")
        self.sql = (
            f"SELECT {select}, CASE WHEN b.state IN ({_literals(_YARD)}) "
            f"AND b.checked_in_at IS NOT NULL THEN ({position}) END "
            f"FROM {Booking._meta.db_table} b "
            f"LEFT JOIN {Fee._meta.db_table} f ON f.declaration_id = b.declaration_id "
            "WHERE b.id = %s"
        )

    def run(self, booking: Booking) -> None:
        with connection.cursor() as cursor:
            cursor.execute(self.sql, [booking.pk])
            row = cursor.fetchone()
        if row is None:  # deleted since it was read: nothing to keep
            return
        if booking.state in FEE_STATES:
            _cache_fee(booking.declaration, self.fee.make(row))
        setattr(booking, _POSITION, (booking.state, row[-1]))


@functools.cache
def _yard_lookup() -> _YardLookup:
    return _YardLookup()


def read_fee_and_place(booking: Booking) -> None:
    """For a truck in the yard or at the lane, read its fee into `declaration.fee` (FEE_STATES:
    what the verdict's fee rule reads) and its place in the queue, kept for `yard_position`
    (yard states) — one round trip for both; nothing for any other booking."""
    if booking.state in FEE_STATES or booking.state in YARD_STATES:
        _yard_lookup().run(booking)


def yard_position(booking: Booking) -> int | None:
    """`queueing.selectors.queue_position`, as one statement (`_position_sql`). After
    `read_fee_and_place` the place is there: no statement then, unless the booking's state has
    changed since."""
    read = getattr(booking, _POSITION, None)
    if read is not None and read[0] == booking.state:
        return read[1]
    if booking.state not in YARD_STATES or booking.checked_in_at is None:
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            _position_sql("%s", "%s", "%s", "%s", "%s"),
            [
                booking.gate_id,
                booking.perishable,
                # As the ORM writes a moment (SQLite keeps text, compared as text), not as the
                # driver would.
                connection.ops.adapt_datetimefield_value(booking.slot_start),
                connection.ops.adapt_datetimefield_value(booking.checked_in_at),
                booking.pk,
            ],
        )
        return cursor.fetchone()[0]


# --- the device of a key --------------------------------------------------------------------
class _DeviceLookup:
    def __init__(self) -> None:
        self.device = Reader(Device, "k")
        self.gate = Reader(Gate, "g")
        select = layout(self.device, self.gate)
        self.sql = (
            f"SELECT {select} FROM {Device._meta.db_table} k "
            f"INNER JOIN {Gate._meta.db_table} g ON g.id = k.gate_id "
            "WHERE k.key_prefix = %s AND k.is_active"
        )

    def run(self, prefix: str) -> Device | None:
        with connection.cursor() as cursor:
            cursor.execute(self.sql, [prefix])
            row = cursor.fetchone()
        if row is None:
            return None
        device = self.device.make(row)
        cache_related(device, "gate", self.gate.make(row))
        return device  # type: ignore[return-value]


@functools.cache
def _device_lookup() -> _DeviceLookup:
    return _DeviceLookup()


def active_device_with_gate(prefix: str) -> Device | None:
    """The active device with this key prefix (unique index), its gate joined."""
    return _device_lookup().run(prefix)


# --- the scan's GateEvent -------------------------------------------------------------------
class _EventInsert:
    def __init__(self) -> None:
        self.fields = [f for f in GateEvent._meta.concrete_fields if not f.primary_key]
        columns = ", ".join(f'"{f.column}"' for f in self.fields)
        marks = ", ".join(["%s"] * len(self.fields))
        pk = GateEvent._meta.pk.column
        self.sql = f'INSERT INTO {GateEvent._meta.db_table} ({columns}) VALUES ({marks}) RETURNING "{pk}"'

    def run(self, event: GateEvent) -> GateEvent:
        # get_db_prep_save: how the ORM's INSERT adapts each value (JSON, datetimes, keys).
        values = [f.get_db_prep_save(f.pre_save(event, True), connection) for f in self.fields]
        with connection.cursor() as cursor:
            cursor.execute(self.sql, values)
            event.pk = cursor.fetchone()[0]
        event._state.adding = False
        event._state.db = connection.alias
        return event


@functools.cache
def _event_insert() -> _EventInsert:
    return _EventInsert()


def insert_event(event: GateEvent) -> GateEvent:
    """INSERT a new GateEvent (no model signals: the log has no receivers) and give it its id.

    The row is the one `event.save()` would write; append-only, so there is never an UPDATE.
    """
    if not event._state.adding:
        raise ValueError("a GateEvent is written once")
    return _event_insert().run(event)
