"""The SQL of the ingest hot path: one read of the live trips, one INSERT of the fixes, one
upsert of the estimates — plain statements, the same on PostgreSQL and SQLite.

Why not the ORM here: building the joined query and two `bulk_create`s cost about three times
the statements themselves, and a fix must cost little more than the floor write (one lookup and
one INSERT, bench/positions_http.py). Everything else in the app uses the ORM.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple, cast

from django.db import connection, transaction
from django.utils.dateparse import parse_datetime

from queueing.models import LIVE_BOOKING_STATES, Booking, Slot
from vehicles.models import CompanyMember, Gate

from .models import Position, TripEstimate


class PositionRow(NamedTuple):
    """One fix to insert, in the column order of _POSITION_COLUMNS."""

    booking_id: int
    time: dt.datetime
    lat: float
    lon: float
    speed_kmh: float | None
    accuracy_m: float | None
    source: str
    received: dt.datetime


@dataclass
class Trip:
    """What the ingest needs of a live booking, its gate, slot and current estimate."""

    booking_id: int
    plate_canonical: str
    state: str
    slot_id: int
    slot_end: dt.datetime
    gate: Gate  # unsaved, holds only what the rules read: coordinates, margins
    last_fix_at: dt.datetime | None
    track: list
    flagged_at: dt.datetime | None
    flagged_slot_id: int | None


def _aware(value: Any) -> dt.datetime | None:
    """A datetime read by a plain cursor (SQLite hands back UTC text)."""
    if value is None or isinstance(value, dt.datetime):
        return value if value is None or value.tzinfo else value.replace(tzinfo=dt.UTC)
    parsed = parse_datetime(value)
    return parsed if parsed is None or parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _number(value: Any) -> float | None:
    return None if value is None else float(value if not isinstance(value, Decimal) else value)


def live_trips(
    *, plates: Iterable[str], user_id: int | None = None, booking_id: int | None = None
) -> dict[str, Trip]:
    """The live booking of each plate (the earliest slot when a truck has several), limited to
    the companies `user_id` is a member of, or to one booking."""
    b, s, g = Booking._meta.db_table, Slot._meta.db_table, Gate._meta.db_table
    e, m = TripEstimate._meta.db_table, CompanyMember._meta.db_table
    plates = sorted(set(plates))
    if not plates:
        return {}
    states = list(LIVE_BOOKING_STATES)
    where = [
        f'b."plate_canonical" IN ({", ".join(["%s"] * len(plates))})',
        f'b."state" IN ({", ".join(["%s"] * len(states))})',
    ]
    params: list[Any] = [*plates, *states]
    if user_id is not None:
        where.append(f'b."company_id" IN (SELECT "company_id" FROM "{m}" WHERE "user_id" = %s)')
        params.append(user_id)
    if booking_id is not None:
        where.append('b."id" = %s')
        params.append(booking_id)
    sql = (
        f'SELECT b."id", b."plate_canonical", b."state", b."slot_id", s."end", b."gate_id", g."latitude", '
        f'g."longitude", g."early_margin_minutes", g."grace_minutes", g."timezone", e."last_fix_at", e."track", '
        f'e."flagged_at", e."flagged_slot_id" '
        f'FROM "{b}" b JOIN "{s}" s ON s."id" = b."slot_id" JOIN "{g}" g ON g."id" = b."gate_id" '
        f'LEFT JOIN "{e}" e ON e."booking_id" = b."id" '
        f"WHERE {' AND '.join(where)} "
        f'ORDER BY b."plate_canonical", b."slot_start", b."id"'
    )
    trips: dict[str, Trip] = {}
    gates: dict[int, Gate] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for row in cursor.fetchall():
            (pk, plate, state, slot_id, slot_end, gate_id, lat, lon, early, grace, zone, last, track,
             flagged_at, flagged_slot_id) = row  # fmt: skip
            if plate in trips:
                continue
            gate = gates.get(gate_id) or gates.setdefault(
                gate_id,
                Gate(pk=gate_id, latitude=lat, longitude=lon, early_margin_minutes=early, grace_minutes=grace,
                     timezone=zone),
            )  # fmt: skip
            trips[plate] = Trip(
                booking_id=pk,
                plate_canonical=plate,
                state=state,
                slot_id=slot_id,
                slot_end=cast(dt.datetime, _aware(slot_end)),  # a slot always has an end
                gate=gate,
                last_fix_at=_aware(last),
                track=(json.loads(track) if isinstance(track, str) else track) or [],
                flagged_at=_aware(flagged_at),
                flagged_slot_id=flagged_slot_id,
            )
    return trips


_POSITION_COLUMNS = ("booking_id", "time", "lat", "lon", "speed_kmh", "accuracy_m", "source", "received")
_ESTIMATE_COLUMNS = (
    "booking_id", "gate_id", "last_fix_at", "lat", "lon", "distance_km", "road_km", "speed_kmh",
    "speed_basis", "eta", "late", "track", "updated",
)  # fmt: skip


# PostgreSQL types of the columns, for the one-statement-per-batch form (unnest of arrays).
_POSITION_TYPES = ("bigint", "timestamptz", "float8", "float8", "float8", "float8", "varchar", "timestamptz")
_ESTIMATE_TYPES = (
    "bigint", "bigint", "timestamptz", "float8", "float8", "float8", "float8", "float8", "varchar",
    "timestamptz", "boolean", "text", "timestamptz",
)  # fmt: skip


def _rows_sql(
    columns: Sequence[str], types: Sequence[str], rows: Sequence[Sequence[Any]]
) -> tuple[str, list[Any]]:
    """`SELECT ...` of the rows: on PostgreSQL one unnest of one array per column (a short
    statement whatever the batch size); elsewhere a VALUES list."""
    if connection.vendor == "postgresql":
        arrays = ", ".join(f"%s::{t}[]" for t in types)
        names = ", ".join(f"c{i}" for i in range(len(columns)))
        picks = ", ".join(f"c{i}::jsonb" if c == "track" else f"c{i}" for i, c in enumerate(columns))
        return f"SELECT {picks} FROM unnest({arrays}) AS u({names})", [
            list(col) for col in zip(*rows, strict=True)
        ]
    group = "(" + ", ".join(["%s"] * len(columns)) + ")"
    return "VALUES " + ", ".join([group] * len(rows)), [value for row in rows for value in row]


def write(positions: Sequence[PositionRow], estimates: Sequence[TripEstimate]) -> None:
    """INSERT the fixes (a repeated one is skipped by the unique index) and upsert the estimates,
    all or nothing. On PostgreSQL one statement does both (a data-modifying WITH): the fixes of a
    request cost one round trip and commit by themselves. The warning fields (flagged_*) are
    never written here."""
    stamp = connection.ops.adapt_datetimefield_value
    position_rows = [
        (p.booking_id, stamp(p.time), p.lat, p.lon, p.speed_kmh, p.accuracy_m, p.source, stamp(p.received))
        for p in positions
    ]
    estimate_rows = [
        (t.booking_id, t.gate_id, stamp(t.last_fix_at), t.lat, t.lon, t.distance_km, t.road_km, t.speed_kmh,
         t.speed_basis, stamp(t.eta), t.late, json.dumps(t.track), stamp(t.updated))
        for t in estimates
    ]  # fmt: skip
    select_p, params_p = _rows_sql(_POSITION_COLUMNS, _POSITION_TYPES, position_rows)
    select_e, params_e = _rows_sql(_ESTIMATE_COLUMNS, _ESTIMATE_TYPES, estimate_rows)
    insert_p = f'INSERT INTO "{Position._meta.db_table}" ({", ".join(_POSITION_COLUMNS)}) {select_p} ON CONFLICT DO NOTHING'
    # A new estimate starts unflagged (the columns' NULL); an existing one keeps its flag.
    upsert_e = (
        f'INSERT INTO "{TripEstimate._meta.db_table}" ({", ".join(_ESTIMATE_COLUMNS)}) {select_e} '
        f'ON CONFLICT ("booking_id") DO UPDATE SET '
        + ", ".join(f"{c} = excluded.{c}" for c in _ESTIMATE_COLUMNS)
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and position_rows and estimate_rows:
            cursor.execute(f"WITH fixes AS ({insert_p}) {upsert_e}", [*params_p, *params_e])
            return
        with transaction.atomic():
            if position_rows:
                cursor.execute(insert_p, params_p)
            if estimate_rows:
                cursor.execute(upsert_e, params_e)
