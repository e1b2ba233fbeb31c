"""A kiosk scan against a big history: time per scan, queries per scan, and their plans.

    .venv/bin/python bench/kiosk_scan.py [--history 100000] [--scans 300]

Runs on PostgreSQL (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/cuakhau_kiosk_bench;
created and migrated when missing). Fills `--history` departed bookings and as many gate events
once (kept between runs), 2,000 past trips of the plate it scans, adds a few live trucks, then times `kiosk_scan` for an exact plate, a
ticket, a misread plate (fuzzy candidates) and an unknown plate. Prints p50/p99 in ms, the number
of queries per scan, and EXPLAIN of each SELECT, flagging any sequential scan of the bookings or
gate events. Figures only: nothing is asserted about time (the query count and plans are).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench._support import recreate_database, setup_django  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/cuakhau_kiosk_bench"
MARK = "CK1-BENCH"


def truck(plate: str, state: str):  # type: ignore[no-untyped-def]
    """One live truck with its company, driver, declaration (cleared), slot and booking."""
    from django.utils import timezone

    from declarations.models import Declaration
    from queueing.models import Booking, Slot
    from queueing.rules import new_ticket
    from vehicles.models import Company, Driver, Gate, Vehicle
    from vehicles.plates import canonical_plate

    gate = Gate.objects.get(code="HUU_NGHI")
    existing = Booking.objects.filter(plate_canonical=canonical_plate(plate), state=state).first()
    if existing:
        return existing
    n = Company.objects.count()
    company = Company.objects.create(name=f"Bench {n}", tax_code=f"{5900000000 + n:010d}")
    vehicle = Vehicle.objects.create(company=company, plate=plate)
    driver = Driver.objects.create(company=company, full_name="Bench driver", id_number=f"{n:012d}")
    declaration = Declaration.objects.create(
        company=company, vehicle=vehicle, driver=driver, gate=gate, direction="export",
        planned_date=timezone.localdate(), state="cleared", channel="green",
    )  # fmt: skip
    start = timezone.now().replace(minute=0, second=0, microsecond=0)
    slot, _ = Slot.objects.get_or_create(
        gate=gate,
        direction="export",
        start=start,
        defaults={"end": start + dt.timedelta(hours=1), "capacity": 500},
    )
    now = timezone.now()
    return Booking.objects.create(
        declaration=declaration, slot=slot, gate=gate, company=company, vehicle=vehicle,
        plate_canonical=vehicle.plate_canonical, slot_start=slot.start, state=state, ticket=new_ticket(),
        checked_in_at=now if state != "confirmed" else None,
    )  # fmt: skip


def fill_history(size: int) -> None:
    from django.db import connection
    from django.utils import timezone

    from queueing.kiosk.models import GateEvent
    from queueing.models import Booking, Slot
    from vehicles.models import Gate

    if Booking.objects.filter(ticket__startswith=MARK).count() >= size:
        return
    print(f"filling {size:,} past bookings and {size:,} gate events (once)…", flush=True)
    gate = Gate.objects.get(code="HUU_NGHI")
    template = truck("12C-999.99", "confirmed")
    start = timezone.now() - dt.timedelta(days=365)
    slots = Slot.objects.bulk_create(
        [
            Slot(gate=gate, direction="import", start=start + dt.timedelta(hours=h), end=start + dt.timedelta(hours=h + 1), capacity=1000)
            for h in range(0, 365 * 24, 2)
        ],
        ignore_conflicts=True,
    )  # fmt: skip
    slots = list(Slot.objects.filter(gate=gate, direction="import", start__gte=start))
    done = Booking.objects.filter(ticket__startswith=MARK).count()
    for chunk in range(done, size, 5000):
        rows = range(chunk, min(chunk + 5000, size))
        Booking.objects.bulk_create(
            Booking(
                declaration_id=template.declaration_id, slot=slots[i % len(slots)], gate=gate,
                company_id=template.company_id, vehicle_id=template.vehicle_id,
                plate_canonical=f"{11 + i % 80:02d}C{i % 100000:05d}", slot_start=slots[i % len(slots)].start,
                state="departed", ticket=f"{MARK}{i:012d}", checked_in_at=slots[i % len(slots)].start,
                called_at=slots[i % len(slots)].start, departed_at=slots[i % len(slots)].start,
            )
            for i in rows
        )  # fmt: skip
        GateEvent.objects.bulk_create(
            GateEvent(gate=gate, raw=f"12C{i % 100000:05d}", plate_canonical=f"12C{i % 100000:05d}", verdict="deny", reason_code="no_booking")
            for i in rows
        )  # fmt: skip
    # A frequent truck: the plate the bench scans has crossed 2,000 times before.
    Booking.objects.bulk_create(
        Booking(
            declaration_id=template.declaration_id, slot=slots[i % len(slots)], gate=gate,
            company_id=template.company_id, vehicle_id=template.vehicle_id, plate_canonical="12C12345",
            slot_start=slots[i % len(slots)].start, state="departed", ticket=f"CK1-FREQ{i:012d}",
            checked_in_at=slots[i % len(slots)].start, called_at=slots[i % len(slots)].start,
            departed_at=slots[i % len(slots)].start,
        )
        for i in range(2000)
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--history", type=int, default=100_000)
    parser.add_argument("--scans", type=int, default=300)
    parser.add_argument("--plans", action="store_true", help="print EXPLAIN of every query")
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    recreate_database(url)
    setup_django(url)

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from queueing.kiosk.services import device_create, kiosk_scan
    from queueing.models import Booking
    from vehicles.models import Gate

    fill_history(args.history)
    in_yard = truck("12C-123.45", "in_yard")
    truck("12C-555.55", "confirmed")
    gate = Gate.objects.get(code="HUU_NGHI")
    device, _key = device_create(gate=gate, lane="bench")
    # (what the camera read as a plate, the ticket it read): a camera reads the plate with a ticket
    reads = {
        "exact plate (in yard)": ("12C-123.45", ""),
        "ticket (+ plate read)": ("12C-123.45", in_yard.ticket),
        "misread plate (fuzzy)": ("12C-555.5S", ""),
        "unknown plate": ("29LD-012.34", ""),
    }
    # The floor, measured in the same run: one indexed lookup of a booking by plate (what any
    # view costs at the least); each scan is reported as a multiple of it.
    floor = []
    for _ in range(args.scans):
        began = time.perf_counter()
        Booking.objects.filter(plate_canonical="12C12345", state="in_yard").first()
        floor.append((time.perf_counter() - began) * 1000)
    floor_p50 = statistics.median(floor)
    print(f"baseline (one indexed lookup): p50 {floor_p50:.2f} ms")
    worst = 0
    for label, read in reads.items():
        timings = []
        for _ in range(args.scans):
            began = time.perf_counter()
            kiosk_scan(gate=gate, raw=read[0], ticket=read[1], device=device)
            timings.append((time.perf_counter() - began) * 1000)
        with CaptureQueriesContext(connection) as captured:
            result = kiosk_scan(gate=gate, raw=read[0], ticket=read[1], device=device)
        timings.sort()
        p99 = timings[min(len(timings) - 1, int(len(timings) * 0.99))]
        print(
            f"\n== {label}: verdict {result.verdict.verdict}/{result.verdict.reason_code}, "
            f"{len(captured.captured_queries)} queries, p50 {statistics.median(timings):.2f} ms "
            f"({statistics.median(timings) / floor_p50:.1f}x baseline), p99 {p99:.2f} ms"
        )
        worst = max(worst, len(captured.captured_queries))
        if not args.plans:
            continue
        with connection.cursor() as cursor:
            for query in captured.captured_queries:
                sql = query["sql"]
                if not sql.lstrip().upper().startswith("SELECT"):
                    print(f"  -- {sql[:90]}…")
                    continue
                cursor.execute("EXPLAIN " + sql)
                plan = "\n".join(row[0] for row in cursor.fetchall())
                seq = any(f"Seq Scan on {t}" in plan for t in ("queueing_booking", "kiosk_gateevent"))
                print(f"  -- {sql[:90]}…{'  <-- SEQUENTIAL SCAN' if seq else ''}")
                print("     " + plan.replace("\n", "\n     "))
    print(f"\nat most {worst} queries per scan (budget: 5)")
    if worst > 5:
        sys.exit(1)


if __name__ == "__main__":
    main()
