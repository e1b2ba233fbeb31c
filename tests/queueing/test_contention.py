"""Capacity is never exceeded, on PostgreSQL and on SQLite: 500 concurrent attempts at a 50-place
slot, 40 concurrent rebooks into a 10-place slot; two call-forward runners never call a truck twice;
a slot closed during a booking takes no place, and a rebook checks the cap under its company's
lock (PostgreSQL: SQLite serialises the writers)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.db import connection, connections, transaction

from cuakhau.errors import Conflict
from queueing import services
from queueing.models import LIVE_BOOKING_STATES, Booking
from vehicles.models import Company

from .conftest import make_declaration, make_slot
from .contention import fire_attempts, prepare, rebook_race

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_500_concurrent_attempts_at_50_places_book_exactly_50_on_postgresql(gate):
    slot, work = prepare(gate=gate, places=50, attempts=500)
    outcomes = fire_attempts(slot, work, threads=24)
    slot.refresh_from_db()
    assert outcomes == {"ok": 50, "slot_full": 450}
    assert slot.booked == 50
    assert Booking.objects.filter(slot=slot, state__in=LIVE_BOOKING_STATES).count() == 50


def run_on_a_sqlite_file(tmp_path, scenario: str) -> dict:  # type: ignore[no-untyped-def]
    """A separate process on a file SQLite database (WAL, IMMEDIATE transactions)."""
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'contention.sqlite3'}",
        "TASKS_MODE": "eager",
        "DJANGO_SETTINGS_MODULE": "cuakhau.settings",
        "PATH": "/usr/bin:/bin",
    }
    proc = subprocess.run(
        [sys.executable, "-m", "tests.queueing.sqlite_contention", scenario],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["vendor"] == "sqlite"
    return result


@pytest.mark.slow
def test_500_concurrent_attempts_at_50_places_book_exactly_50_on_a_sqlite_file(tmp_path):
    """16 threads."""
    result = run_on_a_sqlite_file(tmp_path, "book")
    assert result["outcomes"] == {"ok": 50, "slot_full": 450}
    assert result["booked"] == 50 == result["live_bookings"]


# 40 bookings rebook at once into a 10-place slot: 10 move, 30 stay, every count matches.
REBOOK_RACE = {"outcomes": {"ok": 10, "slot_full": 30}, "booked": [30, 10], "live": [30, 10]}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_40_concurrent_rebooks_into_10_places_move_exactly_10_on_postgresql(gate):
    assert rebook_race(gate=gate) == REBOOK_RACE


@pytest.mark.slow
def test_40_concurrent_rebooks_into_10_places_move_exactly_10_on_a_sqlite_file(tmp_path):
    result = run_on_a_sqlite_file(tmp_path, "rebook")
    assert {k: result[k] for k in REBOOK_RACE} == REBOOK_RACE


# Two runners, six runs each, 20 ready trucks, 3 per run, the partner accepts 11 today.
CALL_FORWARD_RACE = {
    "outcomes": {"ran": 12},
    "called": 11,
    "distinct": 11,
    "largest_run": 3,
    "state_called": 11,
    "logged": 11,
}


@pytest.mark.slow
def test_two_concurrent_call_forward_runners_never_call_a_truck_twice_on_a_sqlite_file(tmp_path):
    result = run_on_a_sqlite_file(tmp_path, "call_forward")
    assert {k: result[k] for k in CALL_FORWARD_RACE} == CALL_FORWARD_RACE


def _wait_until_a_connection_waits_for_a_lock(outcome: dict, timeout: float = 20.0) -> None:
    """Poll PostgreSQL until another connection of this test database is blocked on a lock."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT pg_stat_clear_snapshot()")  # else one snapshot per transaction
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.05)
    raise AssertionError(f"the booking never reached the company lock: {outcome}")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_slot_closed_while_a_booking_is_being_made_takes_no_place(gate, company, owner):
    """The booking checked the slot (open), then waits for its company's row; meanwhile a manager
    closes the slot on another connection. The place-taking UPDATE must see the slot closed."""
    slot = make_slot(gate, hours_ahead=30, capacity=5)
    declaration = make_declaration(company)
    outcome: dict[str, object] = {}

    def book() -> None:
        try:
            outcome["booking"] = services.booking_create(declaration=declaration, slot=slot, actor=owner)
        except Conflict as exc:
            outcome["refused"] = exc.code
        except Exception as exc:  # reported by the assertions below
            outcome["error"] = repr(exc)
        finally:
            connections.close_all()

    def close() -> None:
        try:
            outcome["closed"] = services.slot_close(slot=slot, reason="lane works")
        finally:
            connections.close_all()

    booker = threading.Thread(target=book)
    with transaction.atomic():
        list(Company.objects.select_for_update().filter(pk=company.pk))  # the booking will wait here
        booker.start()
        _wait_until_a_connection_waits_for_a_lock(outcome)
        closer = threading.Thread(target=close)
        closer.start()
        closer.join(30)
    booker.join(30)

    assert outcome["closed"] == {"moved": 0, "cancelled": 0}
    assert "booking" not in outcome and outcome["refused"] in {"slot_full", "slot_closed"}
    slot.refresh_from_db()
    assert (slot.is_closed, slot.booked) == (True, 0)
    assert not Booking.objects.filter(slot=slot).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_rebook_counts_its_companys_bookings_under_the_companys_lock(gate, company, owner):
    """Like a booking, a rebook checks the company's daily cap holding the company's row, so a
    booking of the same company made meanwhile cannot pass the cap alongside it: while another
    connection holds that row, the rebook waits, then moves."""
    booking = services.booking_create(
        declaration=make_declaration(company), slot=make_slot(gate), actor=owner
    )
    target = make_slot(gate, hours_ahead=30)
    outcome: dict[str, object] = {}

    def rebook() -> None:
        try:
            outcome["moved_to"] = services.booking_rebook(booking=booking, slot=target, actor=owner).slot_id
        except Exception as exc:  # reported by the assertions below
            outcome["error"] = repr(exc)
        finally:
            connections.close_all()

    mover = threading.Thread(target=rebook)
    with transaction.atomic():
        list(Company.objects.select_for_update().filter(pk=company.pk))  # the rebook will wait here
        mover.start()
        _wait_until_a_connection_waits_for_a_lock(outcome)
        assert outcome == {}  # still waiting
    mover.join(30)

    assert outcome == {"moved_to": target.pk}
    assert Booking.objects.get(pk=booking.pk).slot_id == target.pk
