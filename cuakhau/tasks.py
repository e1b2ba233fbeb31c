"""The worker heartbeat that /healthz reads.

Beat enqueues `worker_heartbeat` every 30 s; whichever worker runs it stamps the time in Redis.
A stale stamp means no worker is consuming the default queue. (Celery's control `ping` is not
used: on this kombu/redis-py pair a worker that answered a ping stopped consuming its queues.)
"""

from __future__ import annotations

import time
from typing import Any

import redis
from celery import shared_task
from celery.signals import worker_ready

from cuakhau.celery import app

HEARTBEAT_KEY = "cuakhau:worker-heartbeat"


def _redis() -> redis.Redis:
    return redis.Redis.from_url(app.conf.broker_url, socket_timeout=1, socket_connect_timeout=1)


def stamp_heartbeat() -> None:
    _redis().set(HEARTBEAT_KEY, f"{time.time():.3f}", ex=600)


def heartbeat_age() -> float | None:
    """Seconds since a worker last stamped the heartbeat; None when none ever did."""
    value = _redis().get(HEARTBEAT_KEY)
    return None if value is None else max(time.time() - float(value), 0.0)


@shared_task(ignore_result=True)
def worker_heartbeat() -> None:
    stamp_heartbeat()


@worker_ready.connect
def _stamp_on_start(**kwargs: Any) -> None:
    try:
        stamp_heartbeat()
    except Exception:  # the heartbeat must never stop a worker from starting
        pass
