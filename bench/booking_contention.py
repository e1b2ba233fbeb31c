"""Capacity under contention: the conditional UPDATE against a naive read-then-write, same run.

    .venv/bin/python bench/booking_contention.py [--attempts 200] [--places 50] [--threads 16]

Runs on PostgreSQL (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/cuakhau_bench;
the database is created and migrated when missing). Each thread has its own connection. Prints,
per method, the attempts per second, how many attempts believed they got a place, and how many
of those were over capacity ("overbooked"), next to what the slot's counter says afterwards —
lost updates make the naive counter lie.

1. conditional UPDATE: `UPDATE slot SET booked = booked + 1 WHERE id = %s AND booked < capacity`
   (what queueing.services.booking_create does), rowcount 1 = a place.
2. naive: SELECT booked, capacity; if booked < capacity: UPDATE slot SET booked = <read + 1>.
3. booking_create: the whole service (declaration lock, cap, conditional UPDATE, booking row,
   transition log, notification outbox rows).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench._support import recreate_database, setup_django  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/cuakhau_bench"


def fresh_slot(places: int):  # type: ignore[no-untyped-def]
    from django.utils import timezone

    from queueing.models import Slot
    from vehicles.models import Gate

    gate = Gate.objects.get(code="HUU_NGHI")
    start = timezone.now() + dt.timedelta(days=300, seconds=time.time_ns() % 10_000_000)
    start = start.replace(microsecond=0)
    return Slot.objects.create(
        gate=gate, direction="export", start=start, end=start + dt.timedelta(hours=1), capacity=places
    )


def run_threads(n_threads: int, attempts: int, attempt) -> tuple[int, float]:  # type: ignore[no-untyped-def]
    """Run `attempt(i)` for i in range(attempts) over n_threads; returns (successes, seconds)."""
    from django.db import connection, connections

    wins = [0]
    lock = threading.Lock()
    barrier = threading.Barrier(n_threads + 1)

    def worker(indices: list[int]) -> None:
        try:
            connection.ensure_connection()  # connecting is not what is measured
            barrier.wait()
            for i in indices:
                if attempt(i):
                    with lock:
                        wins[0] += 1
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=worker, args=(list(range(t, attempts, n_threads)),)) for t in range(n_threads)
    ]
    for t in threads:
        t.start()
    barrier.wait()
    began = time.perf_counter()
    for t in threads:
        t.join()
    return wins[0], time.perf_counter() - began


def bench_conditional(places: int, attempts: int, threads: int) -> dict:
    from queueing.services._common import take_place

    slot = fresh_slot(places)
    wins, seconds = run_threads(threads, attempts, lambda i: take_place(slot.pk))
    slot.refresh_from_db()
    return {"method": "conditional UPDATE", "wins": wins, "seconds": seconds, "counter": slot.booked}


def bench_naive(places: int, attempts: int, threads: int) -> dict:
    from django.db import connection

    slot = fresh_slot(places)

    def attempt(_i: int) -> bool:
        with connection.cursor() as cur:
            cur.execute("SELECT booked, capacity FROM queueing_slot WHERE id = %s", [slot.pk])
            booked, capacity = cur.fetchone()
            if booked >= capacity:
                return False
            cur.execute("UPDATE queueing_slot SET booked = %s WHERE id = %s", [booked + 1, slot.pk])
            return True

    wins, seconds = run_threads(threads, attempts, attempt)
    slot.refresh_from_db()
    return {"method": "read, then write (naive)", "wins": wins, "seconds": seconds, "counter": slot.booked}


def bench_service(places: int, attempts: int, threads: int) -> dict:
    from cuakhau.errors import Conflict
    from declarations.models import Declaration
    from queueing.services import booking_create
    from vehicles.models import Company, Driver, Gate, Vehicle

    gate = Gate.objects.get(code="HUU_NGHI")
    gate.company_daily_booking_cap = attempts
    gate.save(update_fields=["company_daily_booking_cap"])
    slot = fresh_slot(places)
    stamp = time.time_ns() % 10**9
    company = Company.objects.create(name=f"Bench {stamp}", tax_code=f"{stamp:010d}")
    driver = Driver.objects.create(company=company, full_name="Bench", id_number=f"{stamp:012d}")
    declarations = []
    for i in range(attempts):
        vehicle = Vehicle.objects.create(
            company=company, plate=f"12C-{(stamp + i) % 1000:03d}.{i % 100:02d}{i // 100}"
        )
        declarations.append(
            Declaration(
                company=company,
                vehicle=vehicle,
                driver=driver,
                gate=gate,
                direction="export",
                planned_date=slot.start.date(),
                state="submitted",
            )
        )
    declarations = Declaration.objects.bulk_create(declarations)

    def attempt(i: int) -> bool:
        try:
            booking_create(declaration=declarations[i], slot=slot, actor=None, actor_label="bench")
            return True
        except Conflict:
            return False

    wins, seconds = run_threads(threads, attempts, attempt)
    slot.refresh_from_db()
    return {"method": "booking_create (service)", "wins": wins, "seconds": seconds, "counter": slot.booked}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=200)
    parser.add_argument("--places", type=int, default=50)
    parser.add_argument("--threads", type=int, default=16)
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    if not url.startswith("postgres"):
        print("This benchmark needs PostgreSQL (BENCH_DATABASE_URL=postgres://...).", file=sys.stderr)
        return 2
    recreate_database(url)
    setup_django(url)
    print(f"{args.attempts} attempts at {args.places} places on {args.threads} threads, PostgreSQL")
    print(f"{'method':<28} {'attempts/s':>10} {'got a place':>12} {'overbooked':>11} {'counter':>8}")
    worst = 0
    for bench in (bench_conditional, bench_naive, bench_service):
        r = bench(args.places, args.attempts, args.threads)
        over = max(r["wins"] - args.places, 0)
        if bench is not bench_naive:
            worst = max(worst, over)
        print(
            f"{r['method']:<28} {args.attempts / r['seconds']:>10.0f} {r['wins']:>12} {over:>11} {r['counter']:>8}"
        )
    print(
        "Never overbooked: conditional UPDATE and service"
        if worst == 0
        else "OVERBOOKED with the conditional UPDATE!"
    )
    return 1 if worst else 0


if __name__ == "__main__":
    raise SystemExit(main())
