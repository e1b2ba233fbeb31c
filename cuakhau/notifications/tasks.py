from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def send_notification(notification_id: int) -> str:
    status = services.notification_send(notification_id=notification_id)
    if status == "pending" and not send_notification.app.conf.task_always_eager:
        # Backoff: a short countdown is safe (well below the visibility timeout); the sweep
        # covers the case where this message is lost.
        from .models import Notification

        n = Notification.objects.filter(pk=notification_id).values("attempts").first()
        if n:
            send_notification.apply_async((notification_id,), countdown=services.backoff_seconds(n["attempts"]))
    return status


@shared_task(ignore_result=True)
def resend_stale() -> int:
    return services.resend_stale()
