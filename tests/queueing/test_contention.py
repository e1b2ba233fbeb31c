"""Capacity is never exceeded: 500 concurrent attempts at a 50-place slot, PostgreSQL and SQLite."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from queueing.models import LIVE_BOOKING_STATES, Booking

from .contention import fire_attempts, prepare

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


@pytest.mark.slow
def test_500_concurrent_attempts_at_50_places_book_exactly_50_on_a_sqlite_file(tmp_path):
    """A separate process on a file SQLite database (WAL, IMMEDIATE transactions), 16 threads."""
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'contention.sqlite3'}",
        "TASKS_MODE": "eager",
        "DJANGO_SETTINGS_MODULE": "cuakhau.settings",
        "PATH": "/usr/bin:/bin",
    }
    proc = subprocess.run(
        [sys.executable, "-m", "tests.queueing.sqlite_contention"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["vendor"] == "sqlite"
    assert result["outcomes"] == {"ok": 50, "slot_full": 450}
    assert result["booked"] == 50 == result["live_bookings"]
