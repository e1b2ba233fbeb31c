"""The report's arithmetic on trucks whose times are chosen by hand (no database)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from queueing.simulation.demand import trucks_per_gate
from queueing.simulation.params import Params
from queueing.simulation.report import _honest_wait, _hourly
from queueing.simulation.runs import SUMMED, merge_reports

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
DAY = dt.date(2026, 12, 14)
HOURS = [dt.datetime.combine(DAY, dt.time(h), tzinfo=ZONE) for h in range(24)]
END = HOURS[0] + dt.timedelta(days=1)


def at(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(DAY, dt.time(hour, minute), tzinfo=ZONE)


def truck(arrived, called=None, departed=None, estimate=None, beyond=False, cleared=False):  # type: ignore[no-untyped-def]
    return SimpleNamespace(
        arrived_at=arrived, checked_in_at=arrived, called_at=called, departed_at=departed,
        estimate_minutes=estimate, estimate_basis="partner", estimate_beyond_today=beyond,
        cleared_at_check_in=cleared,
    )  # fmt: skip


TRUCKS = [
    truck(at(8, 10), called=at(8, 40), departed=at(8, 55), estimate=20),  # waited 30, shown 20
    truck(at(8, 20), called=at(10, 5), departed=at(10, 15), estimate=120, cleared=True),  # 105 vs 120
    truck(at(9, 50), called=None, estimate=60),  # still waiting at midnight: 850 min so far
]


def test_the_hourly_series_count_each_truck_in_the_hour_it_moved():
    series = _hourly(TRUCKS, HOURS, END)
    assert series["arrivals"][8] == 2 and series["arrivals"][9] == 1
    assert series["calls"][8] == 1 and series["calls"][10] == 1
    assert series["departures"][8] == 1 and series["departures"][10] == 1
    # in the yard: 8:10 → 1, 8:20 → 2, 8:40 → 1, 9:50 → 2, 10:05 → 1 (the last never leaves)
    assert series["occupancy"][7:12] == [0, 1, 2, 1, 1]
    assert series["occupancy_max"][7:12] == [0, 2, 2, 2, 1]
    assert series["peak"] == [2, "2026-12-14T08:20+07:00"]
    # waits by hour of check-in: 30 and 105 at 8 h; 850 so far at 9 h
    assert series["wait_p50"][8] == 30 and series["wait_p90"][8] == 105
    assert series["wait_p50"][9] == 850


def test_the_honest_wait_check_compares_the_shown_estimate_with_the_real_wait():
    check = _honest_wait(TRUCKS, END)
    # errors (real − shown): 30 − 20 = +10, 105 − 120 = −15; the third is still waiting after
    # 850 minutes against 60 shown: under-promised too.
    assert check["with_estimate"] == 2
    assert check["error_p50"] == -15 and check["error_p90"] == 10
    assert check["under_promised"] == 2 and check["still_waiting_beyond_estimate"] == 1
    assert check["under_promised_share"] == round(2 / 3, 3)
    # Split by clearance at check-in: the cleared truck waited less than shown; both trucks whose
    # reviews were still pending waited longer (one of them is still waiting).
    cleared, pending = check["by_clearance"]["cleared"], check["by_clearance"]["pending"]
    assert (cleared["judged"], cleared["under_promised"], cleared["error_p50"]) == (1, 0, -15)
    assert (pending["judged"], pending["with_estimate"], pending["under_promised"]) == (2, 1, 2)
    assert pending["error_p50"] == 10


def test_trucks_of_all_gates_are_split_by_their_typical_traffic_and_add_up():
    assert trucks_per_gate(Params(gate="ALL", trucks=1756)) == {
        "HUU_NGHI": 870, "TAN_THANH": 580, "CHI_MA": 230, "COC_NAM": 76,
    }  # fmt: skip
    split = trucks_per_gate(Params(gate="ALL", trucks=100))
    assert sum(split.values()) == 100 and split["HUU_NGHI"] == 50  # 870/1756 of 100 = 49.5


def _gate_report(code: str, *, departed: int, leads: list[float]) -> dict:
    summary = {key: 0 for key in SUMMED}
    summary.update(trucks=departed, departed=departed, outcomes={"departed": departed},
                   booking_states={"departed": departed})  # fmt: skip
    return {
        "days": ["2026-12-14"],
        "hours": [h.isoformat() for h in HOURS],
        "summary": summary,
        "review_lead": {
            a: {"states": {"approved": len(leads)}} for a in ("customs", "border_guard", "quarantine")
        },
        "review_lead_minutes": {"customs": leads, "border_guard": [], "quarantine": []},
        "gates": {code: {"summary": summary}},
        "cost": {"declare": {"events": departed, "queries": 80 * departed, "seconds": 1.5}},
    }


def _row(arrived: str, called: str) -> dict:
    return {"arrived_at": arrived, "checked_in_at": arrived, "called_at": called, "departed_at": "",
            "estimate_minutes": "", "estimate_basis": "none", "estimate_beyond_today": "False"}  # fmt: skip


def test_the_gates_reports_merge_into_one_with_the_yards_summed_and_the_leads_pooled():
    reports = {
        "HUU_NGHI": _gate_report("HUU_NGHI", departed=2, leads=[10.0, 30.0]),
        "COC_NAM": _gate_report("COC_NAM", departed=1, leads=[50.0]),
    }
    rows = [
        _row("2026-12-14T08:00:00+07:00", "2026-12-14T08:30:00+07:00"),
        _row("2026-12-14T08:10:00+07:00", "2026-12-14T09:10:00+07:00"),
        _row("2026-12-14T08:20:00+07:00", "2026-12-14T08:50:00+07:00"),  # the Cốc Nam truck
    ]

    merged = merge_reports(Params(gate="ALL"), reports, rows)

    assert merged["summary"]["departed"] == 3 and merged["summary"]["outcomes"] == {"departed": 3}
    # the two yards together: 1 at 8:00, 2 at 8:10, 3 at 8:20, then 2, 1, 0
    assert merged["largest_queue"] == {"trucks": 3, "at": "2026-12-14T08:20+07:00"}
    assert merged["summary"]["wait"]["p50"] == 30 and merged["summary"]["wait"]["p90"] == 60
    assert merged["review_lead"]["customs"]["p50"] == 30 and merged["review_lead"]["customs"]["n"] == 3
    assert merged["cost"]["declare"] == {"events": 3, "queries": 240, "seconds": 3.0}
    assert list(merged["gates"]) == ["HUU_NGHI", "COC_NAM"]
