"""Whole runs of the simulation, each in a database of its own, on the real PostgreSQL.

A run of 50 trucks takes about half a minute (more on a loaded machine): the baseline day is
run once (by the command, as a manager would) and reused by the comparison test.
"""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import connection

from cuakhau.transitions.models import TransitionLog
from queueing.simulation.models import Scenario, ScenarioState
from queueing.simulation.params import Params
from queueing.simulation.rundb import database_prefix, run_isolated

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.django_db]

SMALL_DAY = ["--gate", "COC_NAM", "--trucks", "50", "--seed", "7", "--start", "2026-12-14"]
_runs: dict[str, dict] = {}


def _row_counts() -> dict[str, int]:
    counts = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT count(*) FROM "{table}"')
            counts[table] = cursor.fetchone()[0]
    return counts


def _databases() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", [database_prefix() + "%"])
        return {row[0] for row in cursor.fetchall()}


def _baseline() -> dict:
    if "baseline" not in _runs:
        _runs["baseline"] = run_isolated(Params(gate="COC_NAM", trucks=50, seed=7, start="2026-12-14"))
    return _runs["baseline"]


def test_a_fifty_truck_day_run_by_the_command_leaves_the_live_database_untouched_but_for_its_scenario():
    before = _row_counts()
    databases_before = _databases()
    out = io.StringIO()

    call_command("simulate", *SMALL_DAY, "--name", "small day", stdout=out)

    after = _row_counts()
    changed = {table: after[table] - before[table] for table in before if after[table] != before[table]}
    # The scenario row, and its three transitions (create, start, finish) in the log.
    assert changed == {"simulation_scenario": 1, "transitions_transitionlog": 3}
    scenario = Scenario.objects.get()
    assert scenario.state == ScenarioState.DONE and scenario.name == "small day"
    assert set(
        TransitionLog.objects.filter(object_id=scenario.pk, content_type__model="scenario").values_list(
            "transition", flat=True
        )
    ) == {"create", "start", "finish"}
    # The run's database was dropped (the template stays for the next run).
    assert {d for d in _databases() - databases_before if "_tpl_" not in d} == set()
    assert "departed" in out.getvalue() and "kept as scenario" in out.getvalue()
    _runs["baseline"] = scenario.results


def test_a_fifty_truck_day_with_a_fixed_seed_gives_exactly_the_expected_counts():
    """The counts of COC_NAM's day of 50 trucks, seed 7, on 14 Dec 2026.

    They hang together as a day must: 50 declared and booked (80 places, partner 76); 3 no-shows
    — 2 that never came and 1 that came 2 h after its window (the sweep had marked it, the kiosk
    refused it) — so 48 arrived, 47 admitted; all 47 called within the partner's 76 and departed;
    the yard is empty at midnight.
    """
    report = _baseline()
    summary = report["summary"]
    assert {k: summary[k] for k in ("trucks", "declared", "booked", "unbooked", "no_shows", "arrived",
                                     "refused_at_entry", "checked_in", "called", "departed",
                                     "in_yard_at_end")} == {
        "trucks": 50, "declared": 50, "booked": 50, "unbooked": 0, "no_shows": 3, "arrived": 48,
        "refused_at_entry": 1, "checked_in": 47, "called": 47, "departed": 47, "in_yard_at_end": 0,
    }  # fmt: skip
    assert summary["outcomes"] == {"departed": 47, "no_show": 2, "refused_no_show": 1}
    assert summary["booking_states"] == {"departed": 47, "no_show": 3}
    hourly = report["hourly"]
    assert sum(hourly["arrivals"]) == 48 and sum(hourly["calls"]) == 47 and sum(hourly["departures"]) == 47
    assert report["largest_queue"]["trucks"] == 3
    assert report["review_lead"]["customs"]["n"] == 50 and report["review_lead"]["border_guard"]["n"] == 50


def test_a_lower_partner_acceptance_gives_a_longer_queue_than_the_baseline():
    baseline = _baseline()
    squeezed = run_isolated(Params(gate="COC_NAM", trucks=50, seed=7, start="2026-12-14", partner_accepts=10))

    assert squeezed["summary"]["called"] == 10  # the partner side took 10: never one more
    assert squeezed["summary"]["in_yard_at_end"] > baseline["summary"]["in_yard_at_end"]
    assert squeezed["largest_queue"]["trucks"] > baseline["largest_queue"]["trucks"]
    assert max(squeezed["hourly"]["occupancy"]) > max(baseline["hourly"]["occupancy"])
    assert squeezed["summary"]["wait"]["p90"] > baseline["summary"]["wait"]["p90"]
    # The same trucks came (same seed): only what happened to them differs.
    assert squeezed["summary"]["arrived"] == baseline["summary"]["arrived"]
