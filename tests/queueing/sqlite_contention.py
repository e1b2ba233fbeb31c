"""Run by test_contention in its own process: migrate a file SQLite database, fire 500
concurrent booking attempts at a 50-place slot, print the outcome as one JSON line."""

from __future__ import annotations

import json
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cuakhau.settings")
django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from cuakhau.celery import app  # noqa: E402
from queueing.models import LIVE_BOOKING_STATES, Booking  # noqa: E402
from tests import factories  # noqa: E402
from tests.queueing.contention import fire_attempts, prepare  # noqa: E402


def main() -> None:
    app.conf.task_always_eager = True
    call_command("migrate", verbosity=0, interactive=False)
    slot, work = prepare(gate=factories.gate("HUU_NGHI"), places=50, attempts=500)
    connection.close()
    outcomes = fire_attempts(slot, work, threads=16)
    slot.refresh_from_db()
    print(
        json.dumps(
            {
                "vendor": connection.vendor,
                "outcomes": dict(outcomes),
                "booked": slot.booked,
                "live_bookings": Booking.objects.filter(slot=slot, state__in=LIVE_BOOKING_STATES).count(),
            }
        )
    )


if __name__ == "__main__":
    main()
