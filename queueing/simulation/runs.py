"""Running a scenario: one gate is one run; ALL is one run per gate, `jobs` at a time, merged.

The four gates share nothing in a run (each has its own companies, fleet, officers, yard and
partner figure), so each gate plays in a database and a process of its own — in parallel on a
machine with cores to spare — and the reports are merged: the per-hour series and the waits are
rebuilt from the trucks' rows, the counts summed, the review lead times pooled. A gate's trucks
are the same whether it runs alone or with the others (their plans depend only on the seed, the
gate, the day and their number), so ALL gives the same answer whatever `jobs` is.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import tempfile
from collections import Counter
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from . import demand
from .params import AGENCIES, ALL, Params
from .report import _honest_wait, _hourly, _stats, waited, write_trucks
from .rundb import new_run_id, run_isolated

SUMMED = (
    "trucks", "declared", "booked", "unbooked", "no_shows", "arrived", "refused_at_entry",
    "checked_in", "inspected", "called", "departed", "in_yard_at_end",
)  # fmt: skip


def run_plan(
    params: Params,
    *,
    jobs: int = 1,
    keep: bool = False,
    out: Path | None = None,
    run_id: str | None = None,
    progress: Callable[[float, str], None] | None = None,
) -> dict[str, Any]:
    """Run `params` (one gate, or ALL), write trucks.csv to `out` if given; return the report."""
    run_id = run_id or new_run_id()
    if params.gate != ALL:
        report = run_isolated(
            params,
            run_id=run_id,
            keep=keep,
            trucks_csv=(out / "trucks.csv") if out else None,
            progress=progress,
        )
        report.pop("review_lead_minutes", None)
        return report
    counts = demand.trucks_per_gate(params)
    fractions = dict.fromkeys(params.gates, 0.0)
    clocks = dict.fromkeys(params.gates, "")

    def one(code: str) -> dict[str, Any]:
        sub = dataclasses.replace(
            params, gate=code, trucks=counts[code], partner_accepts=demand.partner_acceptance(params, code)
        )

        def note(fraction: float, text: str) -> None:  # runs in this thread: only remember
            fractions[code], clocks[code] = fraction, text

        return run_isolated(
            sub,
            run_id=f"{run_id}_{code.lower()}",
            keep=keep,
            trucks_csv=folder / f"{code}.csv",
            progress=note,
        )

    with tempfile.TemporaryDirectory() as name, ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        folder = Path(name)
        futures = {code: pool.submit(one, code) for code in params.gates}
        while True:
            done, pending = wait(futures.values(), timeout=1.0, return_when=FIRST_EXCEPTION)
            if progress is not None:  # reported from this thread, which owns the caller's connection
                overall = sum(fractions.values()) / len(fractions)
                busy = [f"{code} {clocks[code]}" for code, future in futures.items() if not future.done()]
                progress(min(overall, 0.999), ", ".join(busy)[:80])
            if not pending or any(f.exception() for f in done):
                break
        reports = {code: future.result() for code, future in futures.items()}
        rows = [row for code in params.gates for row in _read_rows(folder / f"{code}.csv")]
    if out:
        write_trucks(out / "trucks.csv", rows)
    return merge_reports(params, reports, rows)


def _read_rows(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _moment(text: str) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text else None


def _truck(row: dict[str, Any]) -> Any:
    """A truck's times back from its CSV row, as the report's functions read them."""
    return SimpleNamespace(
        arrived_at=_moment(row["arrived_at"]),
        checked_in_at=_moment(row["checked_in_at"]),
        called_at=_moment(row["called_at"]),
        departed_at=_moment(row["departed_at"]),
        estimate_minutes=int(row["estimate_minutes"]) if row["estimate_minutes"] else None,
        estimate_basis=row["estimate_basis"],
        estimate_beyond_today=row["estimate_beyond_today"] == "True",
    )


def merge_reports(
    params: Params, reports: dict[str, dict[str, Any]], rows: list[dict[str, Any]]
) -> dict[str, Any]:
    """One report for the gates together (their yards summed hour by hour)."""
    first = next(iter(reports.values()))
    hours = [dt.datetime.fromisoformat(h) for h in first["hours"]]
    end = hours[-1] + dt.timedelta(hours=1)
    trucks = [_truck(row) for row in rows]
    hourly = _hourly(trucks, hours, end)
    peak, peak_at = hourly.pop("peak")
    summaries = [r["summary"] for r in reports.values()]
    summary: dict[str, Any] = {key: sum(s[key] for s in summaries) for key in SUMMED}
    summary["wait"] = _stats([w for t in trucks if (w := waited(t, end)) is not None])
    summary["wait_called"] = _stats([w for t in trucks if t.called_at and (w := waited(t, end)) is not None])
    for key in ("outcomes", "booking_states"):
        summary[key] = dict(sorted(sum((Counter(s[key]) for s in summaries), Counter()).items()))
    leads = {
        a: [v for r in reports.values() for v in r.get("review_lead_minutes", {}).get(a, [])]
        for a in AGENCIES
    }
    decisions = {
        a: sum((Counter(r["review_lead"][a].get("states", {})) for r in reports.values()), Counter())
        for a in AGENCIES
    }
    cost: dict[str, dict[str, float]] = {}
    counters: Counter = Counter()
    for report in reports.values():
        counters.update(report.get("counters", {}))
        for kind, figures in report.get("cost", {}).items():
            mine = cost.setdefault(kind, {"events": 0, "queries": 0, "seconds": 0.0})
            for key, value in figures.items():
                mine[key] = round(mine[key] + value, 2)
    return {
        "params": params.as_dict(),
        "days": first["days"],
        "hours": first["hours"],
        "hourly": hourly,
        "summary": summary,
        "largest_queue": {"trucks": peak, "at": peak_at},
        "review_lead": {a: {**_stats(leads[a]), "states": dict(decisions[a])} for a in AGENCIES},
        "honest_wait": _honest_wait(trucks, end),
        "gates": {code: r["gates"][code] for code, r in reports.items()},
        "counters": dict(sorted(counters.items())),
        "cost": dict(sorted(cost.items())),
        "run_database": ", ".join(r["run_database"] for r in reports.values() if r.get("run_database")),
    }
