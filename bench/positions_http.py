"""Position ingest over HTTP: 1,000 trucks reporting, single fixes and bursts of 100 per request,
against the floor write, on gunicorn (4 sync workers) with the production settings.

    .venv/bin/python bench/positions_http.py [--seconds 8] [--rounds 3] [--connections 16]
                                             [--port 8616] [--storage-rows 300000]

Environment: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/ck_i16_positions_bench,
dropped and re-created each run). Needs `wrk` (apt-get install -y wrk).

1. Makes 10 companies of 100 trucks each (one fleet system, one token per company), every truck
   with a confirmed booking at Hữu Nghị and no estimate yet.
2. Starts gunicorn with DEBUG=0 and strong secrets, then runs wrk (Lua scripts written here):
   - floor: POST /bench/floor/, one indexed lookup + one INSERT in a transaction (bench/positions_server/urls.py);
   - single: POST /api/v1/positions/ with one fix of a random truck (validation, insert,
     estimate upsert), the scenario's 1,000 trucks every 30 s being 33 requests/s;
   - burst: POST /api/v1/positions/ with 100 fixes, one per truck of a company.
   The phases run interleaved for --rounds rounds; prints each run, then the medians of
   requests/s, fixes/s and p50/p99, single ÷ floor (goal ≥ 0.8x), and checks that no answer was
   an error.
3. Storage (PostgreSQL): fills two day partitions with --storage-rows fixes each and times
   forgetting a day by DELETE against DROP TABLE of its partition.
Figures only: nothing is asserted about time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench._support import recreate_database, setup_django  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/ck_i16_positions_bench"
COMPANIES, TRUCKS_PER_COMPANY = 10, 100


def make_fleet() -> list[tuple[str, str]]:
    """(plate, token) of 1,000 booked trucks, 100 per company."""
    from django.contrib.auth.models import User
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from declarations.models import Declaration
    from queueing.models import Booking, Slot
    from queueing.rules import new_ticket
    from vehicles.models import Company, CompanyMember, Driver, Gate, Vehicle

    gate = Gate.objects.get(code="HUU_NGHI")
    start = (timezone.now() + dt.timedelta(hours=4)).replace(minute=0, second=0, microsecond=0)
    slot = Slot.objects.create(
        gate=gate, direction="export", start=start, end=start + dt.timedelta(hours=1), capacity=5000
    )
    fleet = []
    for c in range(COMPANIES):
        company = Company.objects.create(name=f"Bench fleet {c}", tax_code=f"{5800000000 + c:010d}")
        user = User.objects.create_user(f"fleet{c}", password=secrets.token_urlsafe(16))
        CompanyMember.objects.create(user=user, company=company)
        token = Token.objects.create(user=user).key
        driver = Driver.objects.create(company=company, full_name="Bench driver", id_number=f"{c:012d}")
        numbers = [10000 + c * TRUCKS_PER_COMPANY + i for i in range(TRUCKS_PER_COMPANY)]
        vehicles = Vehicle.objects.bulk_create(
            Vehicle(company=company, plate=f"12C-{n // 100:03d}.{n % 100:02d}", plate_canonical=f"12C{n:05d}")
            for n in numbers
        )
        declarations = Declaration.objects.bulk_create(
            Declaration(
                company=company, vehicle=v, driver=driver, gate=gate, direction="export",
                planned_date=timezone.localdate(), state="cleared", channel="green",
            )
            for v in vehicles
        )  # fmt: skip
        Booking.objects.bulk_create(
            Booking(
                declaration=d, slot=slot, gate=gate, company=company, vehicle=v,
                plate_canonical=v.plate_canonical, slot_start=slot.start, ticket=new_ticket(),
            )
            for d, v in zip(declarations, vehicles, strict=True)
        )  # fmt: skip
        fleet += [(v.plate, token) for v in vehicles]
    Slot.objects.filter(pk=slot.pk).update(booked=len(fleet))
    return fleet


LUA_COMMON = r"""
local trucks = {%(trucks)s}
local counter = 0
local seed_done = false
local threads = 0
setup = function(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
local function start()
  if not seed_done then math.randomseed(os.time() + (tid or 0) * 7919); seed_done = true end
end
local function iso_now()
  counter = counter + 1
  -- one second in the past, milliseconds from a per-thread counter: distinct fixes
  return os.date("!%%Y-%%m-%%dT%%H:%%M:%%S", os.time() - 1) .. string.format(".%%03dZ", (counter * 2 + (tid or 0)) %% 1000)
end
local function fix(i)
  local t = trucks[i]
  local lat = 21.70 + (i %% 37) * 0.004 + math.random() * 0.001
  local lon = 106.60 + (i %% 23) * 0.004 + math.random() * 0.001
  return string.format('{"plate":"%%s","time":"%%s","lat":%%.6f,"lon":%%.6f,"speed":%%d}', t[1], iso_now(), lat, lon, 40 + (i %% 20))
end
"""

LUA_SINGLE = (
    LUA_COMMON
    + r"""
request = function()
  start()
  local i = math.random(#trucks)
  return wrk.format("POST", "%(path)s", {["Content-Type"] = "application/json", ["Authorization"] = "Token " .. trucks[i][2]}, fix(i))
end
"""
)

LUA_BURST = (
    LUA_COMMON
    + r"""
request = function()
  start()
  local company = math.random(%(companies)d) - 1
  local parts = {}
  for k = 1, %(per)d do parts[k] = fix(company * %(per)d + k) end
  return wrk.format("POST", "/api/v1/positions/", {["Content-Type"] = "application/json", ["Authorization"] = "Token " .. trucks[company * %(per)d + 1][2]}, "[" .. table.concat(parts, ",") .. "]")
end
"""
)


def lua(template: str, fleet: list[tuple[str, str]], **extra: object) -> str:
    trucks = ",".join(f'{{"{plate}","{token}"}}' for plate, token in fleet)
    return template % {"trucks": trucks, **extra}


def drained(base: str) -> None:
    """Wait until the server has worked off what the last phase left queued (sync workers finish
    requests whose client has gone), so a phase never pays for the one before."""
    for _ in range(60):
        began = time.perf_counter()
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=30)
        except OSError:
            pass
        if time.perf_counter() - began < 0.2:
            return
        time.sleep(0.5)


def run_wrk(script: str, url: str, *, seconds: int, connections: int) -> dict[str, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "--latency", "-s", handle.name, url],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    os.unlink(handle.name)

    def ms(label: str) -> float:
        match = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if not match:
            return float("nan")
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sockets = re.search(r"Socket errors: (.*)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": ms("50"),
        "p99": ms("99"),
        "errors": int(errors.group(1)) if errors else 0,
        "socket_errors": sockets.group(1) if sockets else "",
    }


def in_process(fleet: list[tuple[str, str]], *, requests: int = 100, rounds: int = 5) -> None:
    """The CPU cost of one request, measured in this process through Django's test client (no
    HTTP, no other worker competing): steadier than wrk on a busy shared machine."""
    import json

    from django.test import Client
    from django.utils import timezone

    clients = {token: Client(HTTP_AUTHORIZATION=f"Token {token}") for _plate, token in fleet}
    step = [0]

    def post(path: str) -> None:
        step[0] += 1
        plate, token = fleet[step[0] % len(fleet)]
        at = timezone.now() - dt.timedelta(seconds=1, microseconds=step[0])
        body = {"plate": plate, "time": at.isoformat(), "lat": 21.8, "lon": 106.7, "speed": 45}
        reply = clients[token].post(path, json.dumps(body), content_type="application/json")
        assert reply.status_code == 201, reply.content

    costs: dict[str, list[float]] = {"/bench/floor/": [], "/api/v1/positions/": []}
    for _ in range(rounds):
        for path, found in costs.items():
            began = time.perf_counter()
            for _ in range(requests):
                post(path)
            found.append((time.perf_counter() - began) * 1000 / requests)
    floor = statistics.median(costs["/bench/floor/"])
    single = statistics.median(costs["/api/v1/positions/"])
    print(
        f"in process, one request: floor {floor:.2f} ms, single fix {single:.2f} ms "
        f"→ {floor / single:.2f}x the floor's rate"
    )


def storage(rows: int) -> None:
    """Forgetting a day: DELETE of its rows against DROP TABLE of its partition."""
    from django.db import connection

    from queueing.models import Booking
    from queueing.tracking import partitions

    booking = Booking.objects.order_by("id").first()
    today = dt.datetime.now(dt.UTC).date()
    a, b = today - dt.timedelta(days=20), today - dt.timedelta(days=19)
    partitions.ensure(start=a, days=2)
    with connection.cursor() as cursor:
        for day in (a, b):
            cursor.execute(
                "INSERT INTO tracking_position (booking_id, time, lat, lon, speed_kmh, source, received) "
                "SELECT %s, %s::timestamptz + (g * interval '1 millisecond') * (86400000.0 / %s), "
                "21.8, 106.7, 50, 'fleet', now() FROM generate_series(0, %s - 1) g",
                [booking.pk, f"{day.isoformat()} 00:00:00+00", rows, rows],
            )
        cursor.execute("ANALYZE tracking_position")
        began = time.perf_counter()
        cursor.execute(
            "DELETE FROM tracking_position WHERE time >= %s AND time < %s",
            [f"{a.isoformat()} 00:00:00+00", f"{b.isoformat()} 00:00:00+00"],
        )
        deleted = cursor.rowcount
        delete_ms = (time.perf_counter() - began) * 1000
        began = time.perf_counter()
        cursor.execute(f'DROP TABLE "{partitions.child_name(b)}"')
        drop_ms = (time.perf_counter() - began) * 1000
    print(f"\nforget one day of {rows:,} fixes: DELETE {deleted:,} rows {delete_ms:,.0f} ms "
          f"(and leaves dead rows to vacuum) · DROP TABLE of another day's partition of as many {drop_ms:,.1f} ms")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--port", type=int, default=8616)
    parser.add_argument("--storage-rows", type=int, default=300_000)
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    # Production settings here too (the in-process figures), with strong secrets.
    production = {
        "DJANGO_SETTINGS_MODULE": "bench.positions_server.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "FEE_CALLBACK_SECRET": secrets.token_urlsafe(32),
        "DEMO_PASSWORD": secrets.token_urlsafe(16),
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "SECURE_SSL_REDIRECT": "0",
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(production)
    recreate_database(url)
    setup_django(url)
    fleet = make_fleet()
    print(f"{len(fleet):,} booked trucks in {COMPANIES} companies")
    in_process(fleet)

    env = {**os.environ, **production, "DATABASE_URL": url, "TASKS_MODE": "eager"}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "bench.positions_server.wsgi:application", "--workers", "4",
         "--bind", f"127.0.0.1:{args.port}", "--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{args.port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=2)
                break
            except OSError as exc:
                if getattr(exc, "code", None):  # answered (e.g. 503 without a worker): it is up
                    break
                time.sleep(0.3)
        phases = (
            ("floor (lookup + INSERT)", lua(LUA_SINGLE, fleet, path="/bench/floor/"), "/bench/floor/", 1),
            ("single fix", lua(LUA_SINGLE, fleet, path="/api/v1/positions/"), "/api/v1/positions/", 1),
            ("burst of 100 fixes", lua(LUA_BURST, fleet, companies=COMPANIES, per=TRUCKS_PER_COMPANY), "/api/v1/positions/", 100),
        )  # fmt: skip
        for _label, script, path, _fixes in phases:
            run_wrk(script, base + path, seconds=2, connections=args.connections)  # warm the workers up
            drained(base)
        # Rounds interleave the phases, so a change of load on a shared machine hits them alike;
        # each figure is the median over the rounds.
        runs: dict[str, list[dict]] = {label: [] for label, *_rest in phases}
        for round_ in range(args.rounds):
            for label, script, path, fixes in phases:
                r = run_wrk(script, base + path, seconds=args.seconds, connections=args.connections)
                drained(base)
                runs[label].append(r)
                print(
                    f"round {round_ + 1} {label:24} {r['rps']:7.0f} req/s {r['rps'] * fixes:8.0f} fixes/s  "
                    f"p50 {r['p50']:7.1f} ms  p99 {r['p99']:7.1f} ms  errors {r['errors']} {r['socket_errors']}"
                )
        results = {
            label: {k: statistics.median(r[k] for r in rs) for k in ("rps", "p50", "p99")}
            | {"errors": sum(r["errors"] for r in rs)}
            for label, rs in runs.items()
        }
        print()
        for label, _script, _path, fixes in phases:
            r = results[label]
            print(
                f"median {label:24} {r['rps']:7.0f} req/s {r['rps'] * fixes:8.0f} fixes/s  "
                f"p50 {r['p50']:7.1f} ms  p99 {r['p99']:7.1f} ms"
            )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    floor, single = results["floor (lookup + INSERT)"], results["single fix"]
    print(
        f"\nsingle fix ÷ floor: {single['rps'] / floor['rps']:.2f}x requests/s (goal ≥ 0.8x), "
        f"p99 {single['p99']:.1f} ms against {floor['p99']:.1f} ms"
    )
    print(f"scenario: 1,000 trucks every 30 s = 33 requests/s, {single['rps'] / 33.3:.0f}x headroom")
    from queueing.tracking.models import Position, TripEstimate

    print(f"stored {Position.objects.count():,} positions, {TripEstimate.objects.count():,} estimates")
    if args.storage_rows:
        storage(args.storage_rows)
    if any(r["errors"] for r in results.values()):
        sys.exit("some answers were errors")


if __name__ == "__main__":
    main()
