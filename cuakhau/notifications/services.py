"""notify() writes outbox rows; notification_send() delivers one, at least once.

1. `notify()` runs inside the caller's transaction: the rows commit or roll back with the change
   that caused them. After commit, one Celery task per row is enqueued.
2. `notification_send()` claims the row with one conditional UPDATE (pending, or sending with an
   expired lock), so two workers never send it at the same time; a worker killed mid-send leaves
   an expired lock that the sweep picks up again.
3. Transient failures go back to pending with exponential backoff, up to
   NOTIFICATION_MAX_ATTEMPTS; then, like permanent failures, the row is marked failed with the
   reason, visible in the admin.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from cuakhau.accounts.models import Profile

from .channels import SENDERS, PermanentError, TransientError
from .messages import render
from .models import Channel, Notification, Status

logger = logging.getLogger(__name__)

LOCK_SECONDS = 60
BACKOFF_BASE_SECONDS = 5
BACKOFF_CAP_SECONDS = 600


def _channels_for(user: Any, profile: Profile | None) -> list[str]:
    channels = [Channel.IN_APP]
    if profile is not None:
        if profile.notify_email and user.email:
            channels.append(Channel.EMAIL)
        if profile.notify_sms and profile.phone:
            channels.append(Channel.SMS)
    return channels


def notify(
    *,
    event: str,
    recipients: Iterable[Any],
    subject_type: str = "",
    subject_id: int | None = None,
    payload: dict[str, Any] | None = None,
    dedupe: str = "",
) -> list[int]:
    """Queue `event` for every recipient on each channel they chose; returns the new row ids.

    The idempotency key is event + subject + dedupe + recipient + channel: calling notify twice
    for the same fact (a retried task, a sweep run twice) writes nothing the second time. Pass a
    `dedupe` that distinguishes facts of the same event on the same subject (e.g. a review id, a
    resubmission counter).
    """
    payload = dict(payload or {})
    users = {u.pk: u for u in recipients if u is not None}
    if not users:
        return []
    profiles = {p.user_id: p for p in Profile.objects.filter(user_id__in=users)}
    rows = []
    for user in users.values():
        profile = profiles.get(user.pk)
        language = profile.language if profile else settings.LANGUAGE_CODE
        title, body = render(event, payload, language)
        for channel in _channels_for(user, profile):
            rows.append(
                Notification(
                    recipient=user,
                    channel=channel,
                    event=event,
                    subject_type=subject_type,
                    subject_id=subject_id,
                    payload=payload,
                    language=language,
                    title=title[:200],
                    body=body,
                    idempotency_key=f"{event}:{subject_type}:{subject_id}:{dedupe}:{user.pk}:{channel}"[:200],
                )
            )
    keys = [r.idempotency_key for r in rows]
    with transaction.atomic():
        existing = set(
            Notification.objects.filter(idempotency_key__in=keys).values_list("idempotency_key", flat=True)
        )
        fresh = [r for r in rows if r.idempotency_key not in existing]
        Notification.objects.bulk_create(fresh, ignore_conflicts=True)
        ids = list(
            Notification.objects.filter(
                idempotency_key__in=[r.idempotency_key for r in fresh], status=Status.PENDING
            ).values_list("id", flat=True)
        )
    if ids:
        transaction.on_commit(lambda: enqueue(ids))
    return ids


def enqueue(ids: Iterable[int]) -> None:
    """Hand rows to Celery. A lost message is not lost work: the sweep re-enqueues stale rows."""
    from .tasks import send_notification

    for notification_id in ids:
        try:
            send_notification.delay(notification_id)
        except Exception:  # broker down: the beat sweep will find the row
            logger.warning("could not enqueue notification %s; the sweep will retry", notification_id)


def backoff_seconds(attempts: int) -> int:
    return min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_CAP_SECONDS)


def notification_send(*, notification_id: int) -> str:
    """Deliver one notification if it is due; returns its status afterwards (or 'skipped')."""
    now = timezone.now()
    claimed = Notification.objects.filter(
        Q(status=Status.PENDING) | Q(status=Status.SENDING, locked_until__lt=now),
        pk=notification_id,
        next_attempt_at__lte=now,
    ).update(
        status=Status.SENDING,
        locked_until=now + timedelta(seconds=LOCK_SECONDS),
        attempts=F("attempts") + 1,
    )
    if not claimed:
        return "skipped"
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    sender = SENDERS[notification.channel]
    try:
        sender.send(notification)
    except TransientError as exc:
        return _failed_attempt(notification, str(exc), permanent=False)
    except PermanentError as exc:
        return _failed_attempt(notification, str(exc), permanent=True)
    Notification.objects.filter(pk=notification.pk, status=Status.SENDING).update(
        status=Status.SENT, sent_at=timezone.now(), locked_until=None, last_error=""
    )
    return Status.SENT


def _failed_attempt(notification: Notification, reason: str, *, permanent: bool) -> str:
    if permanent or notification.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
        Notification.objects.filter(pk=notification.pk).update(
            status=Status.FAILED, last_error=reason[:2000], locked_until=None
        )
        logger.warning("notification %s failed for good: %s", notification.pk, reason)
        return Status.FAILED
    Notification.objects.filter(pk=notification.pk).update(
        status=Status.PENDING,
        last_error=reason[:2000],
        locked_until=None,
        next_attempt_at=timezone.now() + timedelta(seconds=backoff_seconds(notification.attempts)),
    )
    return Status.PENDING


def resend_stale(*, older_than_seconds: int | None = None, limit: int = 1000) -> int:
    """Re-enqueue rows a lost message, a crash or a backoff left behind; returns how many."""
    now = timezone.now()
    stale = now - timedelta(seconds=older_than_seconds if older_than_seconds is not None else settings.NOTIFICATION_STALE_SECONDS)
    due = Notification.objects.filter(
        Q(status=Status.PENDING, next_attempt_at__lte=now, created__lte=stale)
        | Q(status=Status.PENDING, attempts__gt=0, next_attempt_at__lte=now)
        | Q(status=Status.SENDING, locked_until__lt=now)
    ).values_list("id", flat=True)[:limit]
    ids = list(due)
    enqueue(ids)
    return len(ids)


def notification_mark_read(*, user: Any, notification_id: int | None = None) -> int:
    qs = Notification.objects.filter(recipient=user, channel=Channel.IN_APP, read_at__isnull=True)
    if notification_id is not None:
        qs = qs.filter(pk=notification_id)
    return qs.update(read_at=timezone.now())
