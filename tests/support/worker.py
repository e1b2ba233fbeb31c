"""Run a real Celery worker (a separate process) against the test database and a real Redis.

Use in `transaction=True` tests (`@pytest.mark.django_db(transaction=True)`) on PostgreSQL
(`@pytest.mark.postgres`: SQLite's test database lives in this process' memory, where no other
process can see it), so the worker sees committed rows. Each pytest-xdist worker gets its own
Redis database number, so parallel runs never consume each other's tasks.

    with broker_mode(), celery_worker(NOTIFICATION_BACKOFF_BASE_SECONDS="0.2") as worker:
        ...  # code under test enqueues to the test Redis; the worker runs the tasks
        wait_until(lambda: ...)
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
T = TypeVar("T")


def test_redis_url() -> str:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    index = int(worker[2:]) if worker.startswith("gw") and worker[2:].isdigit() else 0
    # TEST_REDIS_DB_BASE lets two checkouts run their worker tests at once on one Redis.
    base = int(os.environ.get("TEST_REDIS_DB_BASE", "10"))
    return f"redis://127.0.0.1:6379/{base + index % int(os.environ.get('TEST_REDIS_DB_SPAN', '4'))}"


test_redis_url.__test__ = False  # type: ignore[attr-defined]  # not a test, whatever its name


def database_url() -> str:
    """The URL of the database this test runs on (the test database, not the configured one)."""
    s = connection.settings_dict
    if connection.vendor == "postgresql":
        user = quote(s.get("USER") or "postgres")
        password = f":{quote(s['PASSWORD'])}" if s.get("PASSWORD") else ""
        host = s.get("HOST") or "127.0.0.1"
        port = s.get("PORT") or 5432
        return f"postgres://{user}{password}@{host}:{port}/{s['NAME']}"
    name = str(s["NAME"])
    if "mode=memory" in name or name == ":memory:":
        raise RuntimeError(
            "a Celery worker cannot see SQLite's in-memory test database; mark the test "
            "@pytest.mark.postgres and run it with DATABASE_URL=postgres://..."
        )
    return f"sqlite:///{name}"


def worker_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url(),
        REDIS_URL=test_redis_url(),
        TASKS_MODE="redis",
        DJANGO_SETTINGS_MODULE="cuakhau.settings",
        PYTHONUNBUFFERED="1",
        # System checks cost seconds per start and test nothing here.
        CELERY_SKIP_CHECKS="1",
        EMAIL_URL="consolemail://",
    )
    env.update({k: str(v) for k, v in extra.items()})
    return env


def flush_redis() -> None:
    import redis

    redis.Redis.from_url(test_redis_url()).flushdb()


@contextlib.contextmanager
def broker_mode() -> Iterator[None]:
    """Make this (test) process send tasks to the test Redis instead of running them eagerly.

    The test Redis database is emptied on entry and exit, so no message of an earlier test is
    consumed by this test's worker.
    """
    from cuakhau.celery import app

    old = (app.conf.task_always_eager, app.conf.broker_url, settings.CELERY_TASK_ALWAYS_EAGER)
    flush_redis()
    app.conf.task_always_eager = False
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.broker_url = test_redis_url()
    _reset_pools(app)
    try:
        yield
    finally:
        app.conf.task_always_eager, app.conf.broker_url, settings.CELERY_TASK_ALWAYS_EAGER = old
        _reset_pools(app)
        flush_redis()


def _reset_pools(app: Any) -> None:
    """Drop cached broker connections so the next send uses the current broker_url.

    kombu keeps its pools in a process-wide registry keyed by broker URL: closing only the app's
    pool would leave a closed one there for the next test ("Acquire on closed pool").
    """
    from kombu import pools

    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


class Worker:
    """A running `celery worker` process group, its node name and its log."""

    def __init__(self, proc: subprocess.Popen, nodename: str, log_path: Path) -> None:
        self.proc = proc
        self.nodename = nodename
        self.log_path = log_path

    @property
    def pid(self) -> int:
        return self.proc.pid

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def kill(self) -> None:
        """SIGKILL the main process and its pool children at once: a crash, no shutdown."""
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self, timeout: float = 15) -> None:
        if self.proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()


@contextlib.contextmanager
def celery_worker(
    queues: str = "notifications,dispatch,default", concurrency: int = 1, **env: str
) -> Iterator[Worker]:
    """Start `celery worker` on the test database and Redis, wait until it answers a ping, and
    stop it afterwards. `env` adds environment variables (settings) for the worker only."""
    nodename = f"test-{os.getpid()}-{time.monotonic_ns()}@pytest"
    log_path = ROOT / f".pytest-worker-{os.getpid()}-{time.monotonic_ns()}.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "cuakhau",
                "worker",
                "-Q",
                queues,
                "-c",
                str(concurrency),
                "-l",
                "info",
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
                "-n",
                nodename,
            ],
            cwd=ROOT,
            env=worker_env(**env),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: kill() reaches the pool children
        )
    worker = Worker(proc, nodename, log_path)
    ok = False
    try:
        wait_for_worker(worker)
        yield worker
        ok = True
    finally:
        worker.stop()
        if ok:
            log_path.unlink(missing_ok=True)  # kept when the test failed, for reading


def wait_for_worker(worker: Worker, timeout: float = 60) -> None:
    """Wait for the worker's "<node> ready." log line.

    Not a remote-control ping: with kombu 5.7 and redis-py 8 on this Redis, a worker that has
    answered a ping stops taking tasks from its queues (seen here; no upstream issue found).
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if worker.proc.poll() is not None:
            raise RuntimeError(f"celery worker exited with {worker.proc.returncode}:\n{worker.log()[-3000:]}")
        if f"{worker.nodename} ready." in worker.log():
            return
        time.sleep(0.1)
    raise TimeoutError(f"celery worker was not ready in time:\n{worker.log()[-3000:]}")


def wait_until(predicate: Callable[[], T], timeout: float = 20, interval: float = 0.1) -> T:
    """Poll `predicate()` until it returns a truthy value; return it, or fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s")
