"""The report's arithmetic on trucks whose times are chosen by hand (no database)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from queueing.simulation.demand import trucks_per_gate
from queueing.simulation.params import Params
from queueing.simulation.report import _honest_wait, _hourly

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
DAY = dt.date(2026, 12, 14)
HOURS = [dt.datetime.combine(DAY, dt.time(h), tzinfo=ZONE) for h in range(24)]
END = HOURS[0] + dt.timedelta(days=1)


def at(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(DAY, dt.time(hour, minute), tzinfo=ZONE)


def truck(arrived, called=None, departed=None, estimate=None, beyond=False):  # type: ignore[no-untyped-def]
    return SimpleNamespace(
        arrived_at=arrived, checked_in_at=arrived, called_at=called, departed_at=departed,
        estimate_minutes=estimate, estimate_basis="partner", estimate_beyond_today=beyond,
    )  # fmt: skip


TRUCKS = [
    truck(at(8, 10), called=at(8, 40), departed=at(8, 55), estimate=20),  # waited 30, shown 20
    truck(at(8, 20), called=at(10, 5), departed=at(10, 15), estimate=120),  # waited 105, shown 120
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


def test_trucks_of_all_gates_are_split_by_their_typical_traffic_and_add_up():
    assert trucks_per_gate(Params(gate="ALL", trucks=1756)) == {
        "HUU_NGHI": 870, "TAN_THANH": 580, "CHI_MA": 230, "COC_NAM": 76,
    }  # fmt: skip
    split = trucks_per_gate(Params(gate="ALL", trucks=100))
    assert sum(split.values()) == 100 and split["HUU_NGHI"] == 50  # 870/1756 of 100 = 49.5
