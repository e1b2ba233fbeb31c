"""Drain 10,000 in-app notifications through the real broker and a real worker; compare with
10,000 empty tasks drained the same way in the same run.

The rows of one notify() travel as one message (up to 100 rows, claimed, read and marked sent in
three statements), so 10,000 notifications are 100 messages; the empty tasks stay 10,000 messages,
the cost of the broker and worker alone for as many separate deliveries.

    .venv/bin/python bench/notifications_drain.py [--count 10000] [--no-compare]

Environment: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/cuakhau_bench, created and
migrated when missing), REDIS_URL (default redis://127.0.0.1:6379/14, emptied first).

Each phase fills the queue first (the worker is not running), then starts `celery worker -c 2`
and times from its first consumed message until the queue is empty and nothing is unacknowledged
(empty tasks) or every notification is sent (notifications). So the figures are the drain rate of
the worker, not the publisher's rate. A third phase drains notifications again with Celery's
default of closing the database connection around every task (CELERY_DB_REUSE_MAX=0), to show
what keeping connections buys. Figures only: nothing is asserted about time.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench._support import recreate_database  # noqa: E402

DATABASE_URL = os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cuakhau_bench")
REDIS_URL = os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/14")
os.environ["TASKS_MODE"] = "redis"
# Production-like: no query log kept in memory, no debug toolbar of any kind.
os.environ["DEBUG"] = "0"
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(60))
os.environ.setdefault("ALLOWED_HOSTS", "localhost")
os.environ["DJANGO_SETTINGS_MODULE"] = "cuakhau.settings"
QUEUE = "notifications"
WORKER_ARGS: list[str] = []
WORKER_LOG = Path(tempfile.gettempdir()) / "cuakhau-bench-worker.log"


def start_worker(extra_env: dict[str, str] | None = None) -> subprocess.Popen:
    env = dict(os.environ, CELERY_SKIP_CHECKS="1", PYTHONUNBUFFERED="1", **(extra_env or {}))
    log = open(WORKER_LOG, "a")  # noqa: SIM115 - lives as long as the worker
    return subprocess.Popen(
        [
            sys.executable, "-m", "celery", "-A", "cuakhau", "worker", "-Q", QUEUE, "-c", "2",
            "-l", "warning", "--without-heartbeat", "--without-gossip", "--without-mingle",
            "-n", f"bench-{os.getpid()}-{time.monotonic_ns()}@bench", *WORKER_ARGS,
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip


def stop_worker(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def drain(messages: int, done, extra_env: dict[str, str] | None = None) -> float:  # type: ignore[no-untyped-def]
    """Start a worker on the filled queue; seconds from its first message until `done()`."""
    import redis

    r = redis.Redis.from_url(REDIS_URL)
    queued = r.llen(QUEUE)
    if queued < messages:
        raise SystemExit(f"only {queued} of {messages} messages reached the queue")
    proc = start_worker(extra_env)
    try:
        deadline = time.monotonic() + 120
        while r.llen(QUEUE) >= queued:  # worker starting: not timed
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the worker did not start; see {WORKER_LOG}")
            time.sleep(0.005)
        started = time.perf_counter()
        deadline = time.monotonic() + 1800
        while not done():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the worker died or stalled; see {WORKER_LOG}")
            time.sleep(0.02)
        return time.perf_counter() - started
    finally:
        stop_worker(proc)


def broker_empty() -> bool:
    import redis

    r = redis.Redis.from_url(REDIS_URL)
    return r.llen(QUEUE) == 0 and r.hlen("unacked") == 0


def fill_noop(count: int) -> float:
    from cuakhau.notifications.tasks import noop

    started = time.perf_counter()
    for _ in range(count):
        noop.delay()
    return time.perf_counter() - started


def fill_notifications(count: int, run: str, per_call: int = 100) -> tuple[list[int], float]:
    """`count` in-app notifications through notify(): `per_call` recipients per call (one
    message per call), enqueued on commit."""
    from django.contrib.auth.models import User
    from django.db import transaction

    from cuakhau.accounts.models import Profile
    from cuakhau.notifications.services import notify

    users = []
    for i in range(100):
        user, _created = User.objects.get_or_create(username=f"bench-{i}")
        Profile.objects.update_or_create(user=user, defaults={"notify_email": False, "notify_sms": False})
        users.append(user)
    ids: list[int] = []
    started = time.perf_counter()
    for call in range(-(-count // per_call)):
        batch = users[(call * per_call) % len(users) :][: min(per_call, count - len(ids))]
        with transaction.atomic():
            ids += notify(
                event="booking.called",
                recipients=batch,
                subject_type="booking",
                subject_id=call,
                payload={"plate": "12C-123.45", "gate": "Hữu Nghị"},
                dedupe=run,
            )
    return ids, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--no-compare", action="store_true", help="skip the close-per-task phase")
    parser.add_argument(
        "--prefetch", type=int, default=0, help="worker --prefetch-multiplier (default: the settings' 1)"
    )
    args = parser.parse_args()
    count = args.count
    if args.prefetch:
        WORKER_ARGS.extend(["--prefetch-multiplier", str(args.prefetch)])

    recreate_database(DATABASE_URL)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    import redis

    from cuakhau.notifications.models import Notification, Status

    redis.Redis.from_url(REDIS_URL).flushdb()
    Notification.objects.filter(recipient__username__startswith="bench-").delete()
    print(
        f"database {DATABASE_URL}, broker {REDIS_URL}, {count:,} messages per phase, "
        f"worker -c 2 {' '.join(WORKER_ARGS)}"
    )

    fill = fill_noop(count)
    noop_seconds = drain(count, broker_empty)
    print(
        f"empty tasks:   enqueued in {fill:6.2f} s; drained in {noop_seconds:6.2f} s = {count / noop_seconds:7.0f}/s"
    )

    def notifications_sent(ids: list[int]):  # type: ignore[no-untyped-def]
        def done() -> bool:
            return Notification.objects.filter(pk__in=ids, status=Status.SENT).count() == len(ids)

        return done

    run = f"bench-{time.time_ns()}"
    from cuakhau.notifications.services import BATCH_SIZE

    batches = -(-count // BATCH_SIZE)  # notify() of 100 recipients: one message per batch of rows
    ids, fill = fill_notifications(count, run)
    seconds = drain(batches, notifications_sent(ids))
    print(
        f"notifications: written+enqueued in {fill:6.2f} s; drained in {seconds:6.2f} s = {count / seconds:7.0f}/s"
        f"  ({seconds / noop_seconds:.1f}x the empty tasks)"
    )

    # One row per message (a notify() of one recipient): the per-row cost of claim, read, mark.
    ids, fill = fill_notifications(count, run + "-single", per_call=1)
    single = drain(count, notifications_sent(ids))
    print(
        f"notifications, one per message: drained in {single:6.2f} s = {count / single:7.0f}/s"
        f"  ({single / noop_seconds:.1f}x the empty tasks)"
    )

    if not args.no_compare:
        ids, fill = fill_notifications(count, run + "-close")
        closing = drain(batches, notifications_sent(ids), {"CELERY_DB_REUSE_MAX": "0"})
        print(
            f"notifications, connection closed around every task (Celery's default): drained in "
            f"{closing:6.2f} s = {count / closing:7.0f}/s  ({closing / noop_seconds:.1f}x the empty tasks, "
            f"{closing / seconds:.1f}x slower than with connections kept)"
        )
    sent = Notification.objects.filter(recipient__username__startswith="bench-", status=Status.SENT).count()
    print(f"sent in total: {sent:,}; the noop/notification ratio is the figure to compare across machines")


if __name__ == "__main__":
    main()
