"""Truck lifecycles per second of the capacity-planning simulation, across the four gates.

The issue's goal: 100,000 truck lifecycles (simulated days across the four gates) on PostgreSQL
in 10 minutes on the 2-core machine. This runs `manage.py simulate --gate ALL` as the command
does (each gate in a database and a process of its own, `--jobs` of them at a time, every truck
through the real services) and prints what it cost:

    .venv/bin/python bench/simulation_scale.py [--days 1] [--trucks 1756] [--jobs 2] [--seed 7]
    .venv/bin/python bench/simulation_scale.py --days 57      # ~100,000 lifecycles (57 × 1,756)

--trucks is per simulated day for the four gates together (split by their typical traffic; a
typical day is 1,756). Printed: trucks, wall time, trucks/s, SQL statements per truck (counted
by the run itself), the CPU the runs' processes used (seconds per truck: the figure that does
not depend on how loaded the machine is; PostgreSQL's own CPU is not in it), the load average
before and after (the machine is shared), the time 100,000 lifecycles would take at this rate,
and where the time went per kind of event.

Environment: DATABASE_URL names the "live" database only to place the run databases beside it
(`<name>_sim_<run>`, from a kept template); it is not written to (no scenario is kept). Default
postgres://postgres@127.0.0.1:5432/cuakhau_bench (it need not exist). Figures only: nothing is
asserted about time.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cuakhau_bench")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cuakhau.settings")
os.environ["TASKS_MODE"] = "eager"

GOAL_TRUCKS = 100_000
GOAL_SECONDS = 600


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=1)
    parser.add_argument("--trucks", type=int, default=None, help="per day, four gates together")
    parser.add_argument("--jobs", type=int, default=2, help="gates run at once (one process each)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--start", default="2026-12-14")
    args = parser.parse_args()

    import django

    django.setup()
    from queueing.simulation import demand
    from queueing.simulation.params import ALL, Params
    from queueing.simulation.runs import run_plan

    params = Params(gate=ALL, days=args.days, trucks=args.trucks, seed=args.seed, start=args.start)
    planned = sum(demand.trucks_per_gate(params).values()) * args.days
    print(f"four gates, {args.days} day(s), {planned} trucks, --jobs {args.jobs}, seed {args.seed}")
    print(f"load average before: {_load()}  ({os.cpu_count()} cores)")
    cpu_before = _children_cpu()
    began = time.perf_counter()
    report = run_plan(params, jobs=args.jobs)
    wall = time.perf_counter() - began
    cpu = _children_cpu() - cpu_before
    load_after = _load()

    summary = report["summary"]
    trucks = summary["trucks"]
    cost = report["cost"]
    queries = sum(kind["queries"] for kind in cost.values())
    per_second = trucks / wall
    print(f"load average after:  {load_after}")
    print(f"trucks {trucks}  declared {summary['declared']}  booked {summary['booked']}  "
          f"checked in {summary['checked_in']}  departed {summary['departed']}")  # fmt: skip
    print(f"wall {wall:.1f} s  trucks/s {per_second:.2f}  queries/truck {queries / trucks:.1f}  "
          f"CPU of the runs {cpu:.1f} s ({cpu / trucks * 1000:.0f} ms a truck)")  # fmt: skip
    projected = GOAL_TRUCKS / per_second
    print(f"100,000 lifecycles at this rate: {projected / 60:.0f} min (goal {GOAL_SECONDS / 60:.0f} min: "
          f"{'met' if projected <= GOAL_SECONDS else f'{projected / GOAL_SECONDS:.1f}x too slow'})")  # fmt: skip
    total = sum(kind["seconds"] for kind in cost.values()) or 1.0
    print(f"{'event':<14}{'events':>9}{'queries':>10}{'q/event':>9}{'seconds':>10}{'share':>7}")
    for name, kind in sorted(cost.items(), key=lambda item: -item[1]["seconds"]):
        events = int(kind["events"])
        per_event = kind["queries"] / events if events else 0.0
        print(f"{name:<14}{events:>9}{int(kind['queries']):>10}{per_event:>9.1f}"
              f"{kind['seconds']:>10.1f}{kind['seconds'] / total:>7.0%}")  # fmt: skip


if __name__ == "__main__":
    main()
