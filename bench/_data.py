"""A national-scale history built with set-based SQL (INSERT ... SELECT generate_series).

`build_history(rows)` fills, in a few minutes for a million:
- 10,000 companies with a driver each; `rows` vehicles (plates `NNC-ddd.dd`, series C only);
- a year of past hourly slots at the four gates (export and import);
- `rows` completed declarations and their departed bookings (one per vehicle);
- `rows` gate events (scans and exits of those bookings);
- today: hourly slots at every gate and 2,000 live bookings (half confirmed, half in the yard),
  so the yard queue and the fuzzy candidates have a realistic day to walk.
Kept between runs: `history_rows()` says what is there; the caller rebuilds only when asked.
"""

from __future__ import annotations

import time

COMPANIES = 10_000
LIVE_TODAY = 2_000
# Ids of the history start here, so rows made by the ORM (small ids) never collide with them.
BASE_ID = 10_000_000


def history_rows() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM queueing_booking WHERE id >= %s", [BASE_ID])
        return cursor.fetchone()[0]


def _plate_sql(n: str) -> tuple[str, str]:
    """(display, canonical) SQL expressions of the n-th plate: province 10-99, series C."""
    digits = f"lpad(({n} / 90)::text, 5, '0')"
    province = f"(10 + {n} % 90)::text"
    display = f"{province} || 'C-' || substr({digits}, 1, 3) || '.' || substr({digits}, 4, 2)"
    return display, f"{province} || 'C' || {digits}"


def build_history(rows: int, *, say=print) -> None:  # type: ignore[no-untyped-def]
    from django.db import connection, transaction

    display, canonical = _plate_sql("i")
    b = BASE_ID
    steps = [
        (
            "companies",
            f"""
            INSERT INTO vehicles_company (id, name, tax_code, address, phone, created)
            SELECT {b} + i, 'Bench company ' || i, (4000000000 + i)::text, '', '', now()
            FROM generate_series(0, {COMPANIES - 1}) i""",
        ),
        (
            "drivers",
            f"""
            INSERT INTO vehicles_driver (id, full_name, nationality, id_number, phone, licence_number,
                                         created, company_id)
            SELECT {b} + i, 'Bench driver ' || i, 'VN', lpad(i::text, 12, '0'), '', '', now(), {b} + i
            FROM generate_series(0, {COMPANIES - 1}) i""",
        ),
        (
            "vehicles",
            f"""
            INSERT INTO vehicles_vehicle (id, plate, plate_canonical, country, kind, trailer_plate,
                                          trailer_plate_canonical, created, company_id)
            SELECT {b} + i, {display}, {canonical}, 'VN', 'truck', '', '', now(), {b} + i % {COMPANIES}
            FROM generate_series(0, {rows - 1}) i""",
        ),
        (
            "past slots",
            """
            INSERT INTO queueing_slot (direction, start, "end", capacity, booked, is_closed, gate_id)
            SELECT d, date_trunc('hour', now()) - interval '2 days' - h * interval '1 hour',
                   date_trunc('hour', now()) - interval '2 days' - (h - 1) * interval '1 hour',
                   500, 0, false, g.id
            FROM generate_series(1, 365 * 24) h, (VALUES ('export'), ('import')) dd(d), vehicles_gate g
            ON CONFLICT DO NOTHING""",
        ),
        (
            "slot numbering",
            """
            CREATE TEMP TABLE bench_slot AS
            SELECT (row_number() OVER (ORDER BY id)) - 1 AS n, id, gate_id, direction, start
            FROM queueing_slot WHERE start < now() - interval '2 days';
            CREATE UNIQUE INDEX ON bench_slot (n)""",
        ),
        (
            "declarations",
            f"""
            INSERT INTO declarations_declaration (id, direction, planned_date, delivery_mode,
                temporary_import, state, channel, channel_reason, required_agencies, round,
                submitted_at, cleared_at, valid_until, closed_at, created, updated, company_id,
                driver_id, gate_id, vehicle_id)
            SELECT {b} + i, s.direction, s.start::date, 'standard', false, 'completed', 'green', '',
                   '["customs", "border_guard"]', 1, s.start - interval '1 day', s.start - interval '2 hours',
                   s.start + interval '3 days', s.start + interval '1 hour', s.start - interval '1 day',
                   s.start + interval '1 hour', {b} + i % {COMPANIES}, {b} + i % {COMPANIES}, s.gate_id, {b} + i
            FROM generate_series(0, {rows - 1}) i
            JOIN bench_slot s ON s.n = i % (SELECT count(*) FROM bench_slot)""",
        ),
        (
            "bookings",
            f"""
            INSERT INTO queueing_booking (id, plate_canonical, slot_start, perishable, state, ticket,
                inspection_required, checked_in_at, called_at, departed_at, closed_at, close_reason,
                created, company_id, declaration_id, gate_id, vehicle_id, slot_id)
            SELECT {b} + i, {canonical}, s.start, i % 7 = 0, 'departed', 'CK1-H' || lpad(i::text, 16, '0'),
                   false, s.start + interval '5 minutes', s.start + interval '40 minutes',
                   s.start + interval '50 minutes', s.start + interval '50 minutes', '',
                   s.start - interval '1 day', {b} + i % {COMPANIES}, {b} + i, s.gate_id, {b} + i, s.id
            FROM generate_series(0, {rows - 1}) i
            JOIN bench_slot s ON s.n = i % (SELECT count(*) FROM bench_slot)""",
        ),
        (
            "gate events",
            f"""
            INSERT INTO kiosk_gateevent (kind, lane, raw, plate_canonical, ticket, verdict, reason_code,
                reason, action, flags, candidates, state_after, created, booking_id, gate_id)
            SELECT CASE WHEN i % 2 = 0 THEN 'scan' ELSE 'action' END, '1', {display}, {canonical}, '',
                   'allow', CASE WHEN i % 2 = 0 THEN 'exit' ELSE 'action' END, '', 'exit', '[]', '[]',
                   CASE WHEN i % 2 = 0 THEN '' ELSE 'departed' END, b.departed_at, b.id, b.gate_id
            FROM generate_series(0, {rows - 1}) i JOIN queueing_booking b ON b.id = {b} + i""",
        ),
        (
            "today's slots",
            """
            INSERT INTO queueing_slot (direction, start, "end", capacity, booked, is_closed, gate_id)
            SELECT d, date_trunc('day', now()) + h * interval '1 hour',
                   date_trunc('day', now()) + (h + 1) * interval '1 hour', 500, 0, false, g.id
            FROM generate_series(-24, 47) h, (VALUES ('export'), ('import')) dd(d), vehicles_gate g
            ON CONFLICT DO NOTHING""",
        ),
        (
            "today's live bookings",
            f"""
            CREATE TEMP TABLE bench_today AS
            SELECT (row_number() OVER (ORDER BY id)) - 1 AS n, id, gate_id, direction, start
            FROM queueing_slot
            WHERE start >= date_trunc('hour', now()) - interval '6 hours'
              AND start < date_trunc('hour', now()) + interval '6 hours';
            CREATE TEMP TABLE bench_live AS
            SELECT i, s.id AS slot_id, s.gate_id, s.direction, s.start
            FROM generate_series(0, {LIVE_TODAY - 1}) i
            JOIN bench_today s ON s.n = i % (SELECT count(*) FROM bench_today);
            INSERT INTO declarations_declaration (id, direction, planned_date, delivery_mode,
                temporary_import, state, channel, channel_reason, required_agencies, round,
                submitted_at, cleared_at, valid_until, created, updated, company_id, driver_id,
                gate_id, vehicle_id)
            SELECT {b + rows} + i, l.direction, l.start::date, 'standard', false, 'cleared', 'green', '',
                   '["customs", "border_guard"]', 1, now() - interval '1 day', now() - interval '2 hours',
                   now() + interval '3 days', now() - interval '1 day', now(), {b} + i % {COMPANIES},
                   {b} + i % {COMPANIES}, l.gate_id, {b} + i * 37
            FROM bench_live l;
            INSERT INTO queueing_booking (id, plate_canonical, slot_start, perishable, state, ticket,
                inspection_required, checked_in_at, close_reason, created, company_id, declaration_id,
                gate_id, vehicle_id, slot_id)
            SELECT {b + rows} + l.i, v.plate_canonical, l.start, l.i % 5 = 0,
                   CASE WHEN l.i % 2 = 0 THEN 'confirmed' ELSE 'in_yard' END,
                   'CK1-L' || lpad(l.i::text, 16, '0'), false,
                   CASE WHEN l.i % 2 = 0 THEN NULL ELSE l.start + interval '10 minutes' END, '',
                   now() - interval '1 day', {b} + l.i % {COMPANIES}, {b + rows} + l.i, l.gate_id,
                   v.id, l.slot_id
            FROM bench_live l JOIN vehicles_vehicle v ON v.id = {b} + l.i * 37;
            UPDATE queueing_slot s SET booked = n FROM (
                SELECT slot_id, count(*) AS n FROM queueing_booking WHERE id >= {b + rows} GROUP BY slot_id
            ) c WHERE c.slot_id = s.id""",
        ),
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        for label, sql in steps:
            began = time.monotonic()
            cursor.execute(sql)
            say(f"  {label}: {time.monotonic() - began:.1f} s")
    with connection.cursor() as cursor:
        for table in ("vehicles_company", "vehicles_driver", "vehicles_vehicle", "queueing_slot",
                      "declarations_declaration", "queueing_booking", "kiosk_gateevent"):  # fmt: skip
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            )
        began = time.monotonic()
        cursor.execute("VACUUM ANALYZE")
        say(f"  vacuum analyze: {time.monotonic() - began:.1f} s")
