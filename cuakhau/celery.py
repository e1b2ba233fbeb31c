"""The Celery application. Queues: `notifications`, `dispatch` (call-forward), `default`."""

from __future__ import annotations

import os
from typing import Any

from celery import Celery, signals
from celery.schedules import crontab
from django.conf import settings
from django.db import close_old_connections

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cuakhau.settings")

app = Celery("cuakhau")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(
    lambda: [
        "cuakhau",
        "cuakhau.notifications",
        "declarations",
        "queueing",
        "queueing.tracking",
        "queueing.simulation",
    ]
)


@signals.task_prerun.connect
@signals.task_postrun.connect
def _close_old_connections(sender: Any = None, **kwargs: Any) -> None:
    """Treat each task like a request: drop a connection that is broken or older than
    CONN_MAX_AGE, keep the rest (CELERY_DB_REUSE_MAX stops Celery closing it every task)."""
    if getattr(getattr(sender, "request", None), "is_eager", False):
        return  # in-process: the caller's connection and transaction are not ours to close
    close_old_connections()


# Beat runs sweeps that find due rows through an index; nothing waits in the broker with a long
# countdown (Redis' visibility timeout would redeliver it).
app.conf.beat_schedule = {
    "worker-heartbeat": {"task": "cuakhau.tasks.worker_heartbeat", "schedule": 30.0},
    "notifications-resend-stale": {
        "task": "cuakhau.notifications.tasks.resend_stale",
        "schedule": 60.0,
    },
    "declarations-flag-overdue-reviews": {
        "task": "declarations.tasks.flag_overdue_reviews",
        "schedule": 300.0,
    },
    "declarations-expire-unused": {
        "task": "declarations.tasks.expire_unused_declarations",
        "schedule": crontab(minute=5),
    },
    "queueing-generate-slots": {
        "task": "queueing.tasks.generate_slots",
        "schedule": crontab(minute=15),
    },
    "queueing-no-show-sweep": {
        "task": "queueing.tasks.no_show_sweep",
        "schedule": 60.0,
    },
    "queueing-slot-reminders": {
        "task": "queueing.tasks.send_slot_reminders",
        "schedule": 60.0,
    },
    "queueing-call-forward-tick": {
        "task": "queueing.tasks.call_forward_tick",
        "schedule": float(settings.CALL_FORWARD_INTERVAL_SECONDS),
    },
    "tracking-positions-sweep": {
        "task": "queueing.tracking.tasks.positions_sweep",
        "schedule": crontab(minute=25),
    },
}
