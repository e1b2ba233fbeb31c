"""Run a real Celery worker (a separate process) against the test database and a real Redis.

Use in `transaction=True` tests (`@pytest.mark.django_db(transaction=True)`) so the worker sees
committed rows. Each pytest-xdist worker gets its own Redis database number, so parallel runs
never consume each other's tasks.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def test_redis_url() -> str:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    index = int(worker[2:]) if worker.startswith("gw") and worker[2:].isdigit() else 0
    return f"redis://127.0.0.1:6379/{10 + index}"


def database_url() -> str:
    """The URL of the database this test runs on (the test database, not the configured one)."""
    s = connection.settings_dict
    if connection.vendor == "postgresql":
        user = quote(s.get("USER") or "postgres")
        password = f":{quote(s['PASSWORD'])}" if s.get("PASSWORD") else ""
        host = s.get("HOST") or "127.0.0.1"
        port = s.get("PORT") or 5432
        return f"postgres://{user}{password}@{host}:{port}/{s['NAME']}"
    return f"sqlite:///{s['NAME']}"


def worker_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url(),
        REDIS_URL=test_redis_url(),
        TASKS_MODE="redis",
        DJANGO_SETTINGS_MODULE="cuakhau.settings",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def flush_redis() -> None:
    import redis

    redis.Redis.from_url(test_redis_url()).flushdb()


@contextlib.contextmanager
def broker_mode() -> Iterator[None]:
    """Make this (test) process send tasks to the test Redis instead of running them eagerly."""
    from cuakhau.celery import app

    old = (app.conf.task_always_eager, app.conf.broker_url, settings.CELERY_TASK_ALWAYS_EAGER)
    app.conf.task_always_eager = False
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.broker_url = test_redis_url()
    _reset_pools(app)
    try:
        yield
    finally:
        app.conf.task_always_eager, app.conf.broker_url, settings.CELERY_TASK_ALWAYS_EAGER = old
        _reset_pools(app)


def _reset_pools(app) -> None:  # type: ignore[no-untyped-def]
    """Drop cached broker connections so the next send uses the current broker_url."""
    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None


@contextlib.contextmanager
def celery_worker(
    queues: str = "notifications,dispatch,default", concurrency: int = 1, **env: str
) -> Iterator[subprocess.Popen]:
    """Start `celery worker` and wait until it answers a ping; stop it afterwards."""
    log = open(ROOT / f".pytest-worker-{os.getpid()}.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [
            sys.executable, "-m", "celery", "-A", "cuakhau", "worker", "-Q", queues,
            "-c", str(concurrency), "-l", "info", "--without-heartbeat", "--without-gossip",
            "--without-mingle", "-n", f"test-{os.getpid()}-{time.monotonic_ns()}@%h",
        ],
        cwd=ROOT,
        env=worker_env(**env),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_for_worker(proc)
        yield proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        log.close()


def wait_for_worker(proc: subprocess.Popen, timeout: float = 30) -> None:
    from celery import Celery

    probe = Celery(broker=test_redis_url())
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"celery worker exited with {proc.returncode}; see .pytest-worker-*.log")
            if probe.control.ping(timeout=0.5):
                return
        raise TimeoutError("celery worker did not answer a ping in time")
    finally:
        probe.close()


def wait_until(predicate, timeout: float = 20, interval: float = 0.1):  # type: ignore[no-untyped-def]
    """Poll `predicate()` until it returns a truthy value; return it, or fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s")
