"""What a run reports: per hour, per agency, per truck; and the CSV files a planner opens.

`build_report` runs at the end of a run, in the run's own process and database: the times come
from the trucks' lives as the loop saw them (arrival, check-in, call, departure — the same
moments the services wrote on the bookings) and the review lead times from the AgencyReview
rows. The result is plain JSON, stored on the Scenario in the live database.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from declarations.models import AgencyReview
from queueing.dashboard import percentile
from queueing.models import Booking, BookingState

from .params import AGENCIES

if TYPE_CHECKING:
    from .engine import Engine, Truck

HOURLY_FIELDS = ["hour", "arrivals", "checked_in", "occupancy", "occupancy_max", "calls", "departures", "wait_p50", "wait_p90"]  # fmt: skip
TRUCK_FIELDS = [
    "truck", "gate", "day", "direction", "perishable", "channel", "outcome", "slot_start", "arrived_at",
    "checked_in_at", "inspected_at", "called_at", "departed_at", "wait_minutes", "estimate_minutes",
    "estimate_basis", "estimate_beyond_today",
]  # fmt: skip


def _minutes(delta: dt.timedelta) -> float:
    return round(delta.total_seconds() / 60, 1)


def _iso(moment: dt.datetime | None, zone: Any) -> str:
    return moment.astimezone(zone).isoformat(timespec="seconds") if moment else ""


def _stats(values: list[float]) -> dict[str, Any]:
    return {"n": len(values), "p50": percentile(values, 50), "p90": percentile(values, 90)}


def wait_minutes(truck: Truck) -> float | None:
    if truck.checked_in_at and truck.called_at:
        return _minutes(truck.called_at - truck.checked_in_at)
    return None


def waited(truck: Truck, end: dt.datetime) -> float | None:
    """Check-in → call; for a truck still in the yard when the run ends, its wait so far (a lower
    bound: leaving it out would make a jammed yard look quick)."""
    if not truck.checked_in_at:
        return None
    return wait_minutes(truck) if truck.called_at else _minutes(end - truck.checked_in_at)


def _hourly(trucks: list[Truck], hours: list[dt.datetime], end: dt.datetime) -> dict[str, list[Any]]:
    """Arrivals, check-ins, calls, departures per hour; occupancy at each hour's end and its max
    within the hour; waits (check-in → call, or so far) of the trucks checked in that hour."""
    first, step = hours[0], dt.timedelta(hours=1)

    def bucket(moment: dt.datetime | None) -> int | None:
        if moment is None or moment < first:
            return None
        index = int((moment - first) / step)
        return index if index < len(hours) else None

    series: dict[str, list[Any]] = {
        k: [0] * len(hours) for k in ("arrivals", "checked_in", "calls", "departures")
    }
    waits: list[list[float]] = [[] for _ in hours]
    changes: list[tuple[dt.datetime, int]] = []
    for truck in trucks:
        for key, moment in (
            ("arrivals", truck.arrived_at),
            ("checked_in", truck.checked_in_at),
            ("calls", truck.called_at),
            ("departures", truck.departed_at),
        ):
            index = bucket(moment)
            if index is not None:
                series[key][index] += 1
        if truck.checked_in_at:
            changes.append((truck.checked_in_at, 1))
            if truck.called_at:
                changes.append((truck.called_at, -1))
            wait = waited(truck, end)
            index = bucket(truck.checked_in_at)
            if wait is not None and index is not None:
                waits[index].append(wait)
    # A call at the same moment as a check-in is counted first: the yard never looks fuller
    # than it was.
    changes.sort(key=lambda change: (change[0], change[1]))
    occupancy, occupancy_max = [0] * len(hours), [0] * len(hours)
    level, peak, peak_at, position = 0, 0, None, 0
    for index, hour in enumerate(hours):
        end = hour + step
        hour_max = level
        while position < len(changes) and changes[position][0] < end:
            moment, delta = changes[position]
            level += delta
            position += 1
            if moment >= hour:
                hour_max = max(hour_max, level)
            if level > peak and moment >= first:
                peak, peak_at = level, moment
        occupancy[index], occupancy_max[index] = level, hour_max
    series["occupancy"], series["occupancy_max"] = occupancy, occupancy_max
    series["wait_p50"] = [percentile(w, 50) for w in waits]
    series["wait_p90"] = [percentile(w, 90) for w in waits]
    series["peak"] = [
        peak,
        peak_at.astimezone(first.tzinfo).isoformat(timespec="minutes") if peak_at else None,
    ]
    return series


def _honest_wait(trucks: list[Truck], end: dt.datetime) -> dict[str, Any]:
    """The portal's estimate at check-in against the wait the truck then had.

    error = real wait − estimate (minutes): positive means the estimate under-promised. A truck
    still waiting at the end has a wait of at least (end − check-in); if even that exceeds its
    estimate it counts as under-promised.
    """
    errors: list[float] = []
    under = over = 0
    censored_under = 0
    no_estimate = beyond = 0
    beyond_crossed_same_day = 0
    basis: Counter[str] = Counter()
    for truck in trucks:
        if not truck.checked_in_at:
            continue
        basis[truck.estimate_basis or "none"] += 1
        if truck.estimate_beyond_today:
            beyond += 1
            if truck.called_at and truck.called_at.date() == truck.checked_in_at.date():
                beyond_crossed_same_day += 1
            continue
        if truck.estimate_minutes is None:
            no_estimate += 1
            continue
        wait = wait_minutes(truck)
        if wait is None:
            if _minutes(end - truck.checked_in_at) > truck.estimate_minutes:
                censored_under += 1
            continue
        error = round(wait - truck.estimate_minutes, 1)
        errors.append(error)
        under += error > 0
        over += error <= 0
    judged = len(errors) + censored_under
    return {
        "with_estimate": len(errors),
        "error_p50": percentile(errors, 50),
        "error_p90": percentile(errors, 90),
        "error_mean": round(sum(errors) / len(errors), 1) if errors else None,
        "under_promised": under + censored_under,
        "under_promised_share": round((under + censored_under) / judged, 3) if judged else None,
        "still_waiting_beyond_estimate": censored_under,
        "no_estimate": no_estimate,
        "beyond_today": beyond,
        "beyond_today_but_crossed_same_day": beyond_crossed_same_day,
        "basis": dict(basis),
    }


def _summary(trucks: list[Truck], booking_ids: list[int], end: dt.datetime) -> dict[str, Any]:
    outcomes = Counter(t.outcome for t in trucks)
    states = Counter(
        Booking.objects.filter(pk__in=booking_ids).values_list("state", flat=True)
    ) if booking_ids else Counter()  # fmt: skip
    waits = [w for t in trucks if (w := waited(t, end)) is not None]
    waits_called = [w for t in trucks if (w := wait_minutes(t)) is not None]
    return {
        "trucks": len(trucks),
        "declared": sum(1 for t in trucks if t.declared_at),
        "booked": len(booking_ids),
        "unbooked": sum(n for o, n in outcomes.items() if o.startswith("unbooked")),
        "no_shows": states.get(BookingState.NO_SHOW, 0),
        "arrived": sum(1 for t in trucks if t.arrived_at),
        "refused_at_entry": sum(n for o, n in outcomes.items() if o.startswith("refused")),
        "checked_in": sum(1 for t in trucks if t.checked_in_at),
        "inspected": sum(1 for t in trucks if t.inspected_at),
        "called": sum(1 for t in trucks if t.called_at),
        "departed": sum(1 for t in trucks if t.departed_at),
        "in_yard_at_end": sum(1 for t in trucks if t.checked_in_at and not t.called_at),
        "wait": _stats(waits),  # trucks still waiting at the end count with their wait so far
        "wait_called": _stats(waits_called),  # only the trucks that were called
        "outcomes": dict(sorted(outcomes.items())),
        "booking_states": dict(sorted(states.items())),
    }


def review_lead_minutes(declaration_ids: list[int]) -> dict[str, list[float]]:
    rows = AgencyReview.objects.filter(
        declaration_id__in=declaration_ids, ready_at__isnull=False, decided_at__isnull=False
    ).values_list("agency", "ready_at", "decided_at")
    leads: dict[str, list[float]] = {a: [] for a in AGENCIES}
    for agency, ready, decided in rows:
        leads[agency].append(_minutes(decided - ready))
    return leads


def _review_lead(declaration_ids: list[int]) -> dict[str, Any]:
    rows = AgencyReview.objects.filter(
        declaration_id__in=declaration_ids, ready_at__isnull=False, decided_at__isnull=False
    ).values_list("agency", "ready_at", "decided_at", "state")
    leads: dict[str, list[float]] = {a: [] for a in AGENCIES}
    decisions: dict[str, Counter] = {a: Counter() for a in AGENCIES}
    for agency, ready, decided, state in rows:
        leads[agency].append(_minutes(decided - ready))
        decisions[agency][state] += 1
    return {a: {**_stats(leads[a]), "states": dict(decisions[a])} for a in AGENCIES}


def build_report(engine: Engine) -> dict[str, Any]:
    zone = engine.zone
    trucks = [t for t in engine.trucks]
    hours = [
        dt.datetime.combine(engine.days[0], dt.time.min, tzinfo=zone) + dt.timedelta(hours=h)
        for h in range(24 * len(engine.days))
    ]
    hourly = _hourly(trucks, hours, engine.end)
    peak, peak_at = hourly.pop("peak")
    declaration_ids = [t.declaration_id for t in trucks if t.declaration_id]
    booking_ids = [t.booking_id for t in trucks if t.booking_id]
    report: dict[str, Any] = {
        "params": engine.params.as_dict(),
        "days": [d.isoformat() for d in engine.days],
        "hours": [h.isoformat() for h in hours],
        "hourly": hourly,
        "summary": _summary(trucks, booking_ids, engine.end),
        "largest_queue": {"trucks": peak, "at": peak_at},
        "review_lead": _review_lead(declaration_ids),
        "honest_wait": _honest_wait(trucks, engine.end),
        "gates": {},
        "counters": dict(sorted(engine.counters.items())),
        "cost": {k: {**v, "seconds": round(v["seconds"], 2)} for k, v in sorted(engine.cost.items())},
    }
    for code in engine.worlds:
        mine = [t for t in trucks if t.plan.gate == code]
        gate_hourly = _hourly(mine, hours, engine.end)
        gate_peak, gate_peak_at = gate_hourly.pop("peak")
        report["gates"][code] = {
            "summary": _summary(mine, [t.booking_id for t in mine if t.booking_id], engine.end),
            "largest_queue": {"trucks": gate_peak, "at": gate_peak_at},
            "occupancy": gate_hourly["occupancy"],
            "honest_wait": _honest_wait(mine, engine.end),
        }
    report["trucks_rows"] = [truck_row(t, zone) for t in trucks]
    report["review_lead_minutes"] = review_lead_minutes(declaration_ids)  # for merging; not kept
    return report


def truck_row(truck: Truck, zone: Any) -> dict[str, Any]:
    plan = truck.plan
    return {
        "truck": plan.key,
        "gate": plan.gate,
        "day": plan.day.isoformat(),
        "direction": plan.direction,
        "perishable": plan.perishable,
        "channel": truck.channel,
        "outcome": truck.outcome,
        "slot_start": _iso(truck.slot_start, zone),
        "arrived_at": _iso(truck.arrived_at, zone),
        "checked_in_at": _iso(truck.checked_in_at, zone),
        "inspected_at": _iso(truck.inspected_at, zone),
        "called_at": _iso(truck.called_at, zone),
        "departed_at": _iso(truck.departed_at, zone),
        "wait_minutes": wait_minutes(truck),
        "estimate_minutes": truck.estimate_minutes,
        "estimate_basis": truck.estimate_basis,
        "estimate_beyond_today": truck.estimate_beyond_today,
    }


# --- CSV ------------------------------------------------------------------------------------
def hourly_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    hourly = report["hourly"]
    return [
        {"hour": hour, **{k: hourly[k][i] for k in HOURLY_FIELDS if k != "hour"}}
        for i, hour in enumerate(report["hours"])
    ]


def summary_rows(report: dict[str, Any]) -> list[tuple[str, Any]]:
    """Flat (key, value) pairs of every figure that is not a series."""
    rows: list[tuple[str, Any]] = []

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        elif not isinstance(value, list):
            rows.append((prefix, value))

    for key in ("summary", "largest_queue", "review_lead", "honest_wait"):
        walk(key, report[key])
    for code, figures in report.get("gates", {}).items():
        for key in ("summary", "largest_queue", "honest_wait"):
            walk(f"gate.{code}.{key}", figures[key])
    return rows


def write_csv(report: dict[str, Any], folder: Path) -> list[Path]:
    """hourly.csv and summary.csv in `folder`; returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    hourly, summary = folder / "hourly.csv", folder / "summary.csv"
    with hourly.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=HOURLY_FIELDS)
        writer.writeheader()
        writer.writerows(hourly_rows(report))
    with summary.open("w", newline="", encoding="utf-8") as handle:
        plain = csv.writer(handle)
        plain.writerow(["figure", "value"])
        plain.writerows(summary_rows(report))
    return [hourly, summary]


def write_trucks(path: Path, rows: list[dict[str, Any]]) -> Path:
    """trucks.csv: one row per truck (its plan, its outcome, its times, its estimate)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=TRUCK_FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    return path
