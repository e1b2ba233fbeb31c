"""Kiosk and camera scans over HTTP at a million rows, next to the two floors, as ratios.

    .venv/bin/python bench/kiosk_http.py            # builds the data once (a few minutes), then ~2 min
    .venv/bin/python bench/kiosk_http.py --rebuild  # drop and rebuild the data first

Needs wrk (`apt-get install -y wrk`), PostgreSQL and Redis. Database: BENCH_DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/cuakhau_http_bench; created when missing, data kept between
runs); Redis: BENCH_REDIS_URL (default redis://127.0.0.1:6379/8); port BENCH_PORT (8612).

1. Data (bench/_data.py, set-based SQL): 1,000,000 vehicles, 1,000,000 past bookings with their
   declarations, 1,000,000 gate events, a day of 2,000 live bookings at the four gates.
2. gunicorn, 4 sync workers, the production settings (DEBUG=0, strong SECRET_KEY, HTTPS behind
   the proxy) plus the two floor endpoints of bench/urls.py; KIOSK_THROTTLE high enough that
   a 429 never counts (the bench measures the scan, not the limit).
3. wrk, 2 threads, 16 connections, 10 s each: floor read, floor write, then a camera's scans of an
   exact plate, a ticket (with the plate the camera read), a truck in the yard, a misread plate
   and an unknown plate, then both floors again (their mean is the floor).
4. Prints requests/s, p50, p99 and non-2xx of each, with ratios to both floors, and whether the
   goals hold (exact plate, ticket, yard: >= 0.67x the floor write's requests/s and p50 <= 1.5x;
   misread and unknown: >= 0.5x and <= 2x; 0 non-2xx). Exit status 0 either way: figures only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench import _data, _http  # noqa: E402
from bench._support import recreate_database, setup_django  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/cuakhau_http_bench"
SCAN = "/api/v1/kiosk/scan/"
# label → (body of the camera's scan, the verdict/reason it must give, goal group)
EXACT, FUZZY = "exact", "fuzzy"
GOALS = {EXACT: (0.67, 1.5), FUZZY: (0.5, 2.0)}


def database_exists(url: str) -> bool:
    import psycopg

    parsed = urlparse(url)
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [parsed.path.lstrip("/")])
        return found.fetchone() is not None


def live_truck(plate: str, state: str, *, fee_state: str | None = None):  # type: ignore[no-untyped-def]
    """A cleared truck booked at Hữu Nghị in the current hour, in `state` (made once, kept)."""
    from django.utils import timezone

    from declarations.fees.models import Fee, FeeSchedule
    from declarations.models import Declaration
    from queueing.models import Booking, Slot
    from queueing.rules import new_ticket
    from vehicles.models import Company, Driver, Gate, Vehicle
    from vehicles.plates import canonical_plate

    gate = Gate.objects.get(code="HUU_NGHI")
    start = timezone.now().replace(minute=0, second=0, microsecond=0)
    slot, _created = Slot.objects.get_or_create(
        gate=gate, direction="export", start=start,
        defaults={"end": start + dt.timedelta(hours=1), "capacity": 500},
    )  # fmt: skip
    booking = Booking.objects.filter(plate_canonical=canonical_plate(plate), state=state).first()
    if booking is not None:
        # Kept from an earlier run: booked in the current hour again, so its window is open.
        Booking.objects.filter(pk=booking.pk).update(slot=slot, slot_start=slot.start)
        return booking
    n = Company.objects.filter(name__startswith="Bench live").count()
    company = Company.objects.create(name=f"Bench live {n}", tax_code=f"{3900000000 + n:010d}")
    vehicle = Vehicle.objects.create(company=company, plate=plate)
    driver = Driver.objects.create(company=company, full_name="Nguyễn Văn Bench", id_number=f"{n:012d}")
    declaration = Declaration.objects.create(
        company=company, vehicle=vehicle, driver=driver, gate=gate, direction="export",
        planned_date=timezone.localdate(), state="cleared", channel="green",
    )  # fmt: skip
    if fee_state:
        Fee.objects.create(
            declaration=declaration, schedule=FeeSchedule.objects.first(), amount=500_000, state=fee_state
        )
    return Booking.objects.create(
        declaration=declaration, slot=slot, gate=gate, company=company, vehicle=vehicle,
        plate_canonical=vehicle.plate_canonical, slot_start=slot.start, state=state, ticket=new_ticket(),
        checked_in_at=timezone.now() if state != "confirmed" else None,
    )  # fmt: skip


def prepare(url: str, rows: int, rebuild: bool) -> dict:
    """Data, live trucks, a device; returns what the load scripts send."""
    if rebuild or not database_exists(url):
        recreate_database(url)
    setup_django(url)
    from django.db import connection
    from django.utils import timezone

    from queueing.kiosk.services import device_create
    from vehicles.models import Gate

    have = _data.history_rows()
    if have < rows:
        if have:
            recreate_database(url)
            connection.close()
            from django.core.management import call_command

            call_command("migrate", verbosity=0, interactive=False)
        print(f"building {rows:,} rows of history with set-based SQL…", flush=True)
        began = timezone.now()
        _data.build_history(rows)
        print(f"built in {(timezone.now() - began).total_seconds():.0f} s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_floor_write "
            "(id bigserial PRIMARY KEY, vehicle_id bigint, created timestamptz NOT NULL)"
        )
    exact = live_truck("12LD-100.01", "confirmed")
    by_ticket = live_truck("12LD-100.02", "confirmed")
    in_yard = live_truck("12LD-100.03", "in_yard", fee_state="paid")
    live_truck("12LD-555.55", "confirmed")
    _device, key = device_create(gate=Gate.objects.get(code="HUU_NGHI"), lane="bench", name="bench camera")
    connection.close()
    digits = f"{123_456 // 90:05d}"  # the 123,456th vehicle of the history, for the floors
    return {
        "key": key,
        "floor_plate": f"{10 + 123_456 % 90}C-{digits[:3]}.{digits[3:]}",
        "scans": {
            "exact plate": ({"gate": "HUU_NGHI", "plate": "12LD-100.01"}, ("allow", "admit"), EXACT),
            "ticket (+ plate read)": (
                {"gate": "HUU_NGHI", "ticket": by_ticket.ticket, "plate": "12LD-100.02"},
                ("allow", "admit"),
                EXACT,
            ),
            "truck in the yard": ({"gate": "HUU_NGHI", "plate": "12LD-100.03"}, ("allow", "release"), EXACT),
            "misread plate": ({"gate": "HUU_NGHI", "plate": "12LD-555.5S"}, ("check", "plate_unsure"), FUZZY),
            "unknown plate": ({"gate": "HUU_NGHI", "plate": "29LD-012.34"}, ("deny", "no_booking"), FUZZY),
        },
        "bookings": [exact.pk, by_ticket.pk, in_yard.pk],
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rebuild", action="store_true", help="drop the bench database and build it again")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--only", default="", help="run only the scans whose label contains this")
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    plan = prepare(url, args.rows, args.rebuild)
    env = _http.production_env(url, KIOSK_THROTTLE="1000000/min")
    auth = {"Authorization": f"Api-Key {plan['key']}"}
    floor_body = {"plate": plan["floor_plate"]}
    load = {"seconds": args.seconds, "connections": args.connections}
    with _http.Server(env):
        for path in ("/bench/floor/read/", "/bench/floor/write/"):
            status, reply = _http.post(path, floor_body)
            assert status == 200 and reply.get("vehicle"), (path, status, reply)
        scans = {k: v for k, v in plan["scans"].items() if args.only in k}
        for label, (body, (verdict, what), _group) in scans.items():
            status, reply = _http.post(SCAN, body, auth)
            got = (reply.get("verdict"), reply.get("action") or reply.get("reason_code"))
            print(f"{label}: HTTP {status}, {got[0]}/{got[1]} — {reply.get('reason')}")
            assert status == 200 and got == (verdict, what), (label, status, reply)
        print(f"\nwrk: {args.connections} connections, {args.seconds} s each, gunicorn ×{_http.WORKERS} sync")
        floors_read = [_http.wrk("floor read", _http.lua_post("/bench/floor/read/", floor_body), **load)]
        floors_write = [_http.wrk("floor write", _http.lua_post("/bench/floor/write/", floor_body), **load)]
        results = []
        for label, (body, _expected, group) in scans.items():
            results.append((group, _http.wrk(label, _http.lua_post(SCAN, body, auth), **load)))
            print(f"  {label}: {results[-1][1].rps:.0f} req/s", flush=True)
        floors_write.append(
            _http.wrk("floor write", _http.lua_post("/bench/floor/write/", floor_body), **load)
        )
        floors_read.append(_http.wrk("floor read", _http.lua_post("/bench/floor/read/", floor_body), **load))
    floor_read = _http.mean_load("floor read (mean of 2)", floors_read)
    floor_write = _http.mean_load("floor write (mean of 2)", floors_write)
    print()
    print(_http.ratio_table([r for _g, r in results], floor_read, floor_write))
    print("\ngoals (against the floor write): ")
    for group, result in results:
        rps_goal, p50_goal = GOALS[group]
        rps_x, p50_x = result.rps / floor_write.rps, result.p50_ms / floor_write.p50_ms
        held = rps_x >= rps_goal and p50_x <= p50_goal and result.non_2xx == 0
        print(
            f"  {'held  ' if held else 'MISSED'} {result.label:<24} req/s {rps_x:.2f}x (>= {rps_goal}x), "
            f"p50 {p50_x:.2f}x (<= {p50_goal}x), non-2xx {result.non_2xx}"
        )


if __name__ == "__main__":
    main()
