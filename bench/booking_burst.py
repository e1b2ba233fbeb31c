"""A booking burst over HTTP: 10,000 booking requests from 500 operators at once, one day's slots.

    .venv/bin/python bench/booking_burst.py [--companies 500] [--per-company 20] [--places 2000]

Needs PostgreSQL and Redis. Database: BENCH_BURST_DATABASE_URL
(default postgres://postgres@127.0.0.1:5432/cuakhau_burst_bench, rebuilt every run); Redis:
BENCH_REDIS_URL (default redis://127.0.0.1:6379/8); port BENCH_PORT (8612).

1. Set-based SQL: 500 companies, each with an operator (API token), a driver and 20 vehicles
   with a submitted declaration at Hữu Nghị (export) for tomorrow; 20 slots tomorrow holding
   2,000 places; the gate's per-company cap at 10 live bookings a day.
2. gunicorn, 4 sync workers, production settings, plus the floors (bench/urls.py).
3. 500 clients at once (bench/_burst_client.py, asyncio: a burst is a fixed list of distinct
   requests, which wrk, made for durations, does not send exactly): first as many floor writes,
   then the burst — every declaration booked once (`POST /api/v1/bookings/`, the operator's
   token, slots spread over the day).
4. Prints requests/s, p50, p99 of both, their ratio, the answers by status, and checks from the
   database: places taken = capacity (0 overbooked), no 5xx, every company within its cap, no
   declaration booked twice. Goal: >= 0.5x the floor write's requests/s.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench import _burst_client, _http  # noqa: E402
from bench._support import recreate_database, setup_django  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/cuakhau_burst_bench"
SLOTS = 20
CAP = 10
BASE = 20_000_000  # ids of the bench rows


def build(companies: int, per_company: int, places: int) -> list[dict]:
    """The data of the burst; returns the requests (token, body) in the order clients send them."""
    from django.db import connection, transaction

    n = companies * per_company
    capacity = places // SLOTS
    steps = [
        f"""INSERT INTO auth_user (id, password, is_superuser, username, first_name, last_name, email,
                                  is_staff, is_active, date_joined)
            SELECT {BASE} + c, '!', false, 'burst-' || c, '', '', '', false, true, now()
            FROM generate_series(0, {companies - 1}) c""",
        f"""INSERT INTO auth_user_groups (user_id, group_id)
            SELECT {BASE} + c, g.id FROM generate_series(0, {companies - 1}) c, auth_group g
            WHERE g.name = 'operator'""",
        f"""INSERT INTO authtoken_token (key, user_id, created)
            SELECT md5('burst' || c) || 'abcdefgh', {BASE} + c, now()
            FROM generate_series(0, {companies - 1}) c""",
        f"""INSERT INTO vehicles_company (id, name, tax_code, address, phone, created)
            SELECT {BASE} + c, 'Burst company ' || c, (5000000000 + c)::text, '', '', now()
            FROM generate_series(0, {companies - 1}) c""",
        f"""INSERT INTO vehicles_companymember (user_id, company_id)
            SELECT {BASE} + c, {BASE} + c FROM generate_series(0, {companies - 1}) c""",
        f"""INSERT INTO vehicles_driver (id, full_name, nationality, id_number, phone, licence_number,
                                         created, company_id)
            SELECT {BASE} + c, 'Burst driver ' || c, 'VN', lpad(c::text, 12, '0'), '', '', now(), {BASE} + c
            FROM generate_series(0, {companies - 1}) c""",
        f"""INSERT INTO vehicles_vehicle (id, plate, plate_canonical, country, kind, trailer_plate,
                                          trailer_plate_canonical, created, company_id)
            SELECT {BASE} + i, '15H-' || substr(lpad(i::text, 5, '0'), 1, 3) || '.' || substr(lpad(i::text, 5, '0'), 4, 2),
                   '15H' || lpad(i::text, 5, '0'), 'VN', 'truck', '', '', now(), {BASE} + i / {per_company}
            FROM generate_series(0, {n - 1}) i""",
        f"""INSERT INTO declarations_declaration (id, direction, planned_date, delivery_mode,
                temporary_import, state, channel, channel_reason, required_agencies, round,
                submitted_at, valid_until, created, updated, company_id, driver_id, gate_id, vehicle_id)
            SELECT {BASE} + i, 'export', (now() + interval '1 day')::date, 'standard', false, 'submitted',
                   'green', '', '["customs", "border_guard"]', 1, now(), now() + interval '5 days', now(), now(),
                   {BASE} + i / {per_company}, {BASE} + i / {per_company}, g.id, {BASE} + i
            FROM generate_series(0, {n - 1}) i, vehicles_gate g WHERE g.code = 'HUU_NGHI'""",
        f"""INSERT INTO queueing_slot (direction, start, "end", capacity, booked, is_closed, gate_id)
            SELECT 'export', date_trunc('day', now() + interval '1 day') + h * interval '1 hour',
                   date_trunc('day', now() + interval '1 day') + (h + 1) * interval '1 hour', {capacity}, 0, false, g.id
            FROM generate_series(0, {SLOTS - 1}) h, vehicles_gate g WHERE g.code = 'HUU_NGHI'
            ON CONFLICT (gate_id, direction, start) DO UPDATE SET capacity = {capacity}, booked = 0, is_closed = false""",
        f"UPDATE vehicles_gate SET company_daily_booking_cap = {CAP} WHERE code = 'HUU_NGHI'",
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        for sql in steps:
            cursor.execute(sql)
        cursor.execute(
            "SELECT s.id FROM queueing_slot s JOIN vehicles_gate g ON g.id = s.gate_id WHERE g.code = 'HUU_NGHI'"
            " AND s.direction = 'export' AND s.start >= date_trunc('day', now() + interval '1 day')"
            " ORDER BY s.start LIMIT %s",
            [SLOTS],
        )
        slots = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT user_id, key FROM authtoken_token WHERE user_id >= %s", [BASE])
        tokens = dict(cursor.fetchall())
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    requests = []
    # Interleaved by company, as 500 clients would send them: company c's j-th declaration.
    for j in range(per_company):
        for c in range(companies):
            requests.append(
                {
                    "token": tokens[BASE + c],
                    "body": json.dumps(
                        {"declaration": BASE + c * per_company + j, "slot": slots[(c + j) % SLOTS]}
                    ),
                }
            )
    return requests


def check(companies: int) -> dict:
    from django.db import connection

    sql = {
        "places": "SELECT coalesce(sum(capacity), 0), coalesce(sum(booked), 0) FROM queueing_slot s "
        "JOIN vehicles_gate g ON g.id = s.gate_id WHERE g.code = 'HUU_NGHI' AND s.direction = 'export' "
        "AND s.start >= date_trunc('day', now() + interval '1 day') "
        "AND s.start < date_trunc('day', now() + interval '1 day') + interval '1 day'",
        "bookings": f"SELECT count(*) FROM queueing_booking WHERE company_id >= {BASE} AND state = 'confirmed'",
        "overbooked slots": "SELECT count(*) FROM queueing_slot WHERE booked > capacity",
        "slots whose counter lies": "SELECT count(*) FROM queueing_slot s WHERE s.booked <> (SELECT count(*) "
        f"FROM queueing_booking b WHERE b.slot_id = s.id AND b.state = 'confirmed') AND s.id IN (SELECT slot_id "
        f"FROM queueing_booking WHERE company_id >= {BASE})",
        "companies over the cap": f"SELECT count(*) FROM (SELECT company_id FROM queueing_booking WHERE company_id"
        f" >= {BASE} AND state = 'confirmed' GROUP BY company_id HAVING count(*) > {CAP}) x",
        "declarations booked twice": f"SELECT count(*) FROM (SELECT declaration_id FROM queueing_booking WHERE "
        f"company_id >= {BASE} AND state = 'confirmed' GROUP BY declaration_id HAVING count(*) > 1) x",
    }
    out = {}
    with connection.cursor() as cursor:
        for label, query in sql.items():
            cursor.execute(query)
            row = cursor.fetchone()
            out[label] = row if len(row) > 1 else row[0]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--companies", type=int, default=500)
    parser.add_argument("--per-company", type=int, default=20)
    parser.add_argument("--places", type=int, default=2000)
    parser.add_argument("--connections", type=int, default=500)
    args = parser.parse_args()
    url = os.environ.get("BENCH_BURST_DATABASE_URL", DEFAULT_URL)
    recreate_database(url)
    setup_django(url)
    from django.db import connection

    began = time.monotonic()
    requests = build(args.companies, args.per_company, args.places)
    print(
        f"{len(requests):,} requests of {args.companies} operators built in {time.monotonic() - began:.0f} s"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_floor_write "
            "(id bigserial PRIMARY KEY, vehicle_id bigint, created timestamptz NOT NULL)"
        )
    connection.close()
    env = _http.production_env(url)
    headers = dict(_http.PROXY_HEADERS)
    floor_raw = _burst_client.request_bytes(
        "/bench/floor/write/", json.dumps({"plate": "15H-000.01"}).encode(), headers
    )
    burst_raw = [
        _burst_client.request_bytes(
            "/api/v1/bookings/", r["body"].encode(), {**headers, "Authorization": f"Token {r['token']}"}
        )
        for r in requests
    ]
    with _http.Server(env):
        status, reply = _http.post("/bench/floor/write/", {"plate": "15H-000.01"})
        assert status == 200 and reply.get("vehicle"), (status, reply)
        # The floor: as many floor writes as the burst has requests, same clients, same client.
        floor = _burst_client.run("127.0.0.1", _http.PORT, [floor_raw] * len(burst_raw), args.connections)
        burst = _burst_client.run("127.0.0.1", _http.PORT, burst_raw, args.connections)
    facts = check(args.companies)
    capacity, booked = facts["places"]
    print(
        f"\n{args.connections} clients at once, gunicorn ×{_http.WORKERS} sync, {len(burst_raw):,} requests each"
    )
    print(f"{'':<16} {'req/s':>8} {'p50 ms':>9} {'p99 ms':>9}")
    for label, load in (("floor write", floor), ("booking burst", burst)):
        print(f"{label:<16} {load.rps:>8.0f} {load.p50:>9.1f} {load.percentile(0.99):>9.1f}")
    ratio = burst.rps / floor.rps
    print(
        f"\nburst: {ratio:.2f}x the floor write's requests/s (goal >= 0.5x), p50 {burst.p50 / floor.p50:.2f}x, "
        f"p99 {burst.percentile(0.99) / floor.percentile(0.99):.2f}x; {burst.seconds:.0f} s"
    )
    print(f"answers: {dict(sorted(burst.statuses.items()))} (floor: {dict(floor.statuses)})")
    print(f"places: {booked} taken of {capacity}; confirmed bookings {facts['bookings']}")
    five_xx = sum(n for status, n in burst.statuses.items() if status >= 500 or status == 0)
    problems = {k: v for k, v in facts.items() if k not in {"places", "bookings"} and v}
    if five_xx:
        problems["5xx or dropped"] = five_xx
    if booked != min(capacity, len(requests)) or facts["bookings"] != booked:
        problems["places taken"] = f"{booked} taken, {facts['bookings']} bookings, capacity {capacity}"
    print(
        "correct: 0 overbooked, no 5xx, caps held, no double booking"
        if not problems
        else f"WRONG: {problems}"
    )
    print(f"goal {'held' if ratio >= 0.5 and not problems else 'MISSED'}")


if __name__ == "__main__":
    main()
