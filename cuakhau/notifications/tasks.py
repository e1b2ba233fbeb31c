"""Celery tasks of the outbox: thin wrappers around services, safe to run twice."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from . import services

# The time limits stay below NOTIFICATION_LOCK_SECONDS (60 s): a send still running can never be
# taken over by the sweep; a killed one (time limit, OOM, SIGKILL) is.
SEND_OPTIONS = {
    "bind": True,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "ignore_result": True,
    "soft_time_limit": 30,
    "time_limit": 45,
}


def _retry_soon(task: Any, notification_id: int, result: services.SendResult) -> None:
    # A short backoff waits in this worker; a longer one (and the eager in-process mode, which
    # must not loop) is left to the beat sweep.
    if (
        result.retry_in is not None
        and result.retry_in <= services.COUNTDOWN_LIMIT_SECONDS
        and not task.request.is_eager
    ):
        services.enqueue([notification_id], countdown=result.retry_in)


@shared_task(**SEND_OPTIONS)
def send_notification(self: Any, notification_id: int) -> str:
    result = services.notification_send(notification_id=notification_id)
    _retry_soon(self, notification_id, result)
    return result.status


@shared_task(**SEND_OPTIONS)
def send_notifications(self: Any, notification_ids: list[int]) -> dict[str, int]:
    """The rows one notify() wrote (or one sweep found), sent together; each row as in
    send_notification, including a short backoff waiting in this worker."""
    counts: dict[str, int] = {}
    for notification_id, result in services.notification_send_many(ids=notification_ids):
        counts[result.status] = counts.get(result.status, 0) + 1
        _retry_soon(self, notification_id, result)
    return counts


@shared_task(ignore_result=True)
def resend_stale() -> int:
    return services.resend_stale()


@shared_task(ignore_result=True)
def noop() -> None:
    """An empty task: the benchmark's yardstick for what the broker and worker cost alone."""
    return None
