"""Run by test_contention in its own process: migrate a file SQLite database, run one race of
tests/queueing/contention.py, print the outcome as one JSON line.

    python -m tests.queueing.sqlite_contention book|rebook|call_forward
"""

from __future__ import annotations

import json
import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cuakhau.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from cuakhau.celery import app  # noqa: E402
from queueing.models import LIVE_BOOKING_STATES, Booking  # noqa: E402
from tests import factories  # noqa: E402
from tests.queueing.contention import call_forward_race, fire_attempts, prepare, rebook_race  # noqa: E402


def book() -> dict:
    slot, work = prepare(gate=factories.gate("HUU_NGHI"), places=50, attempts=500)
    connection.close()
    outcomes = fire_attempts(slot, work, threads=16)
    slot.refresh_from_db()
    return {
        "outcomes": dict(outcomes),
        "booked": slot.booked,
        "live_bookings": Booking.objects.filter(slot=slot, state__in=LIVE_BOOKING_STATES).count(),
    }


def rebook() -> dict:
    return rebook_race(gate=factories.gate("HUU_NGHI"))


def call_forward() -> dict:
    settings.CALL_FORWARD_INTERVAL_SECONDS = 0  # only the partner figure and the per-run share bind
    return call_forward_race(gate=factories.gate("HUU_NGHI"))


SCENARIOS = {"book": book, "rebook": rebook, "call_forward": call_forward}


def main() -> None:
    app.conf.task_always_eager = True
    call_command("migrate", verbosity=0, interactive=False)
    result = SCENARIOS[sys.argv[1] if len(sys.argv) > 1 else "book"]()
    print(json.dumps({"vendor": connection.vendor, **result}))


if __name__ == "__main__":
    main()
