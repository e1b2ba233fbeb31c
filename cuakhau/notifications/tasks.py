"""Celery tasks of the outbox: thin wrappers around services, safe to run twice."""

from __future__ import annotations

from celery import shared_task

from . import services


# The time limits stay below NOTIFICATION_LOCK_SECONDS (60 s): a send still running can never be
# taken over by the sweep; a killed one (time limit, OOM, SIGKILL) is.
@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    soft_time_limit=30,
    time_limit=45,
)
def send_notification(self, notification_id: int) -> str:  # type: ignore[no-untyped-def]
    result = services.notification_send(notification_id=notification_id)
    if (
        result.retry_in is not None
        and result.retry_in <= services.COUNTDOWN_LIMIT_SECONDS
        and not self.request.is_eager
    ):
        # A short backoff waits in this worker; a longer one (and the eager in-process mode,
        # which must not loop) is left to the beat sweep.
        services.enqueue([notification_id], countdown=result.retry_in)
    return result.status


@shared_task(ignore_result=True)
def resend_stale() -> int:
    return services.resend_stale()


@shared_task(ignore_result=True)
def noop() -> None:
    """An empty task: the benchmark's yardstick for what the broker and worker cost alone."""
    return None
