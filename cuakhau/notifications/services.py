"""notify() writes outbox rows; notification_send() delivers one, at least once.

1. `notify()` runs inside the caller's transaction: the rows commit or roll back with the change
   that caused them. After commit, one Celery task per row is enqueued.
2. `notification_send_many()` (and `notification_send()` for one row) claims rows with one
   conditional UPDATE (pending and due, or sending with an expired lock), so two workers never
   send the same row at the same time; a worker killed mid-send leaves an expired lock that the
   sweep picks up again. The rows one notify() wrote travel as one task: claimed in one UPDATE,
   read in one SELECT, marked sent in one UPDATE.
3. Transient failures go back to pending with exponential backoff (capped), up to
   NOTIFICATION_MAX_ATTEMPTS; then, like permanent failures, the row is marked failed with the
   reason, visible in the admin. Nothing is retried forever.
4. `resend_stale()` (beat, every minute) re-enqueues what a lost message, a crash between commit
   and enqueue, a killed worker or a long backoff left behind.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.db.models.constants import OnConflict
from django.utils import timezone
from django.utils.translation import gettext as _

from cuakhau.accounts.models import Profile
from cuakhau.errors import NotFound

from .channels import SENDERS, PermanentError, TransientError
from .messages import render, supported_language
from .models import Channel, Notification, Status

logger = logging.getLogger(__name__)

# A retry sooner than this waits in the worker as a Celery countdown; a later one is left to the
# sweep, because a message held longer than Redis' visibility timeout would be delivered twice.
COUNTDOWN_LIMIT_SECONDS = 60


@dataclass(frozen=True)
class SendResult:
    status: str  # sent | pending | failed | skipped
    retry_in: float | None = None  # seconds until the next attempt is due (status pending)


def _channels_for(user: Any, profile: Profile | None) -> list[str]:
    channels: list[str] = [Channel.IN_APP]
    if profile is not None:
        if profile.notify_email and user.email:
            channels.append(Channel.EMAIL)
        if profile.notify_sms and profile.phone:
            channels.append(Channel.SMS)
    return channels


IDEMPOTENCY_KEY_LENGTH = 200  # Notification.idempotency_key's max_length


def idempotency_key(
    *, event: str, subject_type: str, subject_id: int | None, dedupe: str, user_id: int, channel: str
) -> str:
    key = f"{event}:{subject_type}:{subject_id}:{dedupe}:{user_id}:{channel}"
    if len(key) <= IDEMPOTENCY_KEY_LENGTH:
        return key
    # Cutting a long key would drop the recipient and channel at its end, so different people's
    # rows would share a key and all but one be skipped as repeats: end it with a digest instead.
    digest = hashlib.sha256(key.encode()).hexdigest()
    return f"{key[: IDEMPOTENCY_KEY_LENGTH - len(digest) - 1]}#{digest}"


def _profiles(users: dict[int, Any]) -> dict[int, Profile | None]:
    """Each recipient's profile: the one already read with the user (`select_related("profile")`,
    as the services' recipient lists do), the others in one query."""
    profiles: dict[int, Profile | None] = {}
    related = Profile._meta.get_field("user").remote_field  # the user's `profile` side
    for pk, user in users.items():
        if related.is_cached(user):
            profiles[pk] = cast(Profile, related.get_cached_value(user))
    missing = [pk for pk in users if pk not in profiles]
    if missing:
        profiles.update({p.user_id: p for p in Profile.objects.filter(user_id__in=missing)})
    return profiles


def notify(
    *,
    event: str,
    recipients: Iterable[Any],
    subject_type: str = "",
    subject_id: int | None = None,
    payload: dict[str, Any] | None = None,
    dedupe: str = "",
    channels: Iterable[str] | None = None,
) -> list[int]:
    """Queue `event` for every recipient on each channel they chose; returns the new row ids.

    The idempotency key is event + subject + dedupe + recipient + channel: calling notify twice
    for the same fact (a retried task, a sweep run twice) writes nothing the second time. Pass a
    `dedupe` that distinguishes facts of the same event on the same subject (e.g. a review id, a
    resubmission counter). `channels` narrows the channels (e.g. in-app only for officers' work
    queue hints); a recipient still gets only channels they chose.
    """
    payload = dict(payload or {})
    users = {u.pk: u for u in recipients if u is not None}
    if not users:
        return []
    only = set(channels) if channels is not None else None
    profiles = _profiles(users)
    rows = []
    for user in users.values():
        profile = profiles.get(user.pk)
        language = supported_language(profile.language if profile else settings.LANGUAGE_CODE)
        title, body = render(event, payload, language)
        for channel in _channels_for(user, profile):
            if only is not None and channel not in only:
                continue
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
                    idempotency_key=idempotency_key(
                        event=event,
                        subject_type=subject_type,
                        subject_id=subject_id,
                        dedupe=dedupe,
                        user_id=user.pk,
                        channel=channel,
                    ),
                )
            )
    if not rows:
        return []
    # Inside the caller's transaction (the normal case) the rows commit or roll back with the
    # change; alone, this is its own transaction. No savepoint is needed: ON CONFLICT DO NOTHING
    # never fails the transaction, and it returns the ids of the rows it wrote, so a fact already
    # told (or told concurrently by another notify) writes and enqueues nothing.
    with transaction.atomic(savepoint=False):
        ids = _insert_new(rows)
    if ids:
        transaction.on_commit(lambda: enqueue(ids))
    return ids


def _insert_new(rows: list[Notification]) -> list[int]:
    """INSERT ... ON CONFLICT (idempotency_key) DO NOTHING RETURNING id, in one statement.

    `bulk_create(ignore_conflicts=True)` does not say which rows it wrote; this asks the same
    insert for the ids of the rows that were new (all databases we run on support RETURNING).
    """
    fields = [f for f in Notification._meta.concrete_fields if not f.primary_key]
    for row in rows:
        for field in fields:
            if getattr(field, "auto_now_add", False):
                setattr(row, field.attname, field.pre_save(row, add=True))
    # QuerySet._insert: the insert bulk_create runs, with RETURNING; private, so not in the stubs.
    returned = Notification.objects._insert(  # type: ignore[attr-defined]
        rows,
        fields=fields,
        returning_fields=[Notification._meta.pk],
        on_conflict=OnConflict.IGNORE,
    )
    return [row[0] for row in returned or []]


# Rows sent by one task: what one notify() writes for a busy subject, small enough that a task
# stays well inside its time limit even when every row is an e-mail.
BATCH_SIZE = 100


def enqueue(ids: Iterable[int], *, countdown: float | None = None) -> None:
    """Hand rows to Celery, BATCH_SIZE rows per message. A lost message is not lost work: the
    sweep re-enqueues stale rows."""
    # Deferred: a cycle every Celery task that a service queues has (tasks.py wraps these
    # services; the service queues the task). Imported on first use, after both are loaded.
    from .tasks import send_notifications  # noqa: PLC0415

    ids = list(ids)
    for start in range(0, len(ids), BATCH_SIZE):
        batch = ids[start : start + BATCH_SIZE]
        try:
            # No long publish retries: a request must not hang on a dead broker; the rows wait.
            send_notifications.apply_async(
                (batch,),
                countdown=countdown,
                retry_policy={"max_retries": 1, "interval_start": 0, "interval_step": 0.2},
            )
        except Exception:  # broker down: the beat sweep will find the rows
            logger.warning("could not enqueue notifications %s; the sweep will retry", batch, exc_info=True)


def backoff_seconds(attempts: int) -> float:
    """Delay before the next attempt after `attempts` failed ones: base * 2^(n-1), capped."""
    base = settings.NOTIFICATION_BACKOFF_BASE_SECONDS
    cap = settings.NOTIFICATION_BACKOFF_CAP_SECONDS
    return min(base * 2 ** max(attempts - 1, 0), cap)


def notification_send(*, notification_id: int) -> SendResult:
    """Deliver one notification if it is due and ours to send.

    1. Claim: one conditional UPDATE from pending (due) or sending-with-expired-lock to sending,
       counting the attempt; whoever updates no row does nothing.
    2. Send through the channel. The row's idempotency key goes along, so a gateway drops the
       repeat of a send whose worker died before it could record success.
    3. Record the outcome: sent; pending again with backoff; or failed with the reason.
    """
    now = timezone.now()
    claimed = Notification.objects.filter(
        Q(status=Status.PENDING, next_attempt_at__lte=now) | Q(status=Status.SENDING, locked_until__lt=now),
        pk=notification_id,
        attempts__lt=settings.NOTIFICATION_MAX_ATTEMPTS,
    ).update(
        status=Status.SENDING,
        locked_until=now + timedelta(seconds=settings.NOTIFICATION_LOCK_SECONDS),
        attempts=F("attempts") + 1,
    )
    if not claimed:
        return SendResult("skipped")
    notification = Notification.objects.select_related("recipient", "recipient__profile").get(
        pk=notification_id
    )
    failure = _deliver(notification)
    if failure is not None:
        return failure
    _mark_sent([notification.pk])
    return SendResult(Status.SENT)


def notification_send_many(*, ids: Iterable[int]) -> list[tuple[int, SendResult]]:
    """Deliver several notifications in a few statements; each row exactly as notification_send.

    1. Claim every due row of `ids` with ONE conditional UPDATE (as for one row); the claim's
       lock time, to the microsecond, marks the rows this call took.
    2. Read the claimed rows in one SELECT, with recipient and profile.
    3. Send each through its channel. In-app successes (the row is the message) are marked sent
       together with ONE UPDATE; an e-mail or SMS that went is marked sent at once, so a worker
       killed later in the batch never sends it twice; a failure is recorded row by row
       (backoff or failed), exactly as for one row.
    Rows not claimed (sent, failed, being sent, not due) are left alone and not returned.
    """
    ids = list(ids)
    now = timezone.now()
    lock = now + timedelta(seconds=settings.NOTIFICATION_LOCK_SECONDS)
    claimed = Notification.objects.filter(
        Q(status=Status.PENDING, next_attempt_at__lte=now) | Q(status=Status.SENDING, locked_until__lt=now),
        pk__in=ids,
        attempts__lt=settings.NOTIFICATION_MAX_ATTEMPTS,
    ).update(status=Status.SENDING, locked_until=lock, attempts=F("attempts") + 1)
    if not claimed:
        return []
    rows = Notification.objects.select_related("recipient", "recipient__profile").filter(
        pk__in=ids, status=Status.SENDING, locked_until=lock
    )
    results: list[tuple[int, SendResult]] = []
    sent: list[int] = []
    for notification in rows:
        outcome = _deliver(notification)
        if outcome is not None:
            results.append((notification.pk, outcome))
            continue
        results.append((notification.pk, SendResult(Status.SENT)))
        if notification.channel == Channel.IN_APP:
            sent.append(notification.pk)
        else:
            _mark_sent([notification.pk])
    _mark_sent(sent)
    return results


def _mark_sent(ids: list[int]) -> None:
    if ids:
        Notification.objects.filter(pk__in=ids, status=Status.SENDING).update(
            status=Status.SENT, sent_at=timezone.now(), locked_until=None, last_error=""
        )


def _deliver(notification: Notification) -> SendResult | None:
    """Send one claimed row through its channel: None when it went, else the failure recorded."""
    sender = SENDERS[notification.channel]
    try:
        sender.send(notification)
    except TransientError as exc:
        return _failed_attempt(notification, str(exc), permanent=False)
    except PermanentError as exc:
        return _failed_attempt(notification, str(exc), permanent=True)
    except Exception as exc:  # a bug in a channel: keep the reason, retry like a passing error
        logger.exception(
            "notification %s: unexpected error in %s channel", notification.pk, notification.channel
        )
        return _failed_attempt(notification, f"{type(exc).__name__}: {exc}", permanent=False)
    return None


def _failed_attempt(notification: Notification, reason: str, *, permanent: bool) -> SendResult:
    reason = reason[:2000]
    if permanent or notification.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
        if not permanent:
            reason = f"gave up after {notification.attempts} attempts: {reason}"[:2000]
        Notification.objects.filter(pk=notification.pk, status=Status.SENDING).update(
            status=Status.FAILED, last_error=reason, locked_until=None
        )
        logger.warning("notification %s failed for good: %s", notification.pk, reason)
        return SendResult(Status.FAILED)
    delay = backoff_seconds(notification.attempts)
    Notification.objects.filter(pk=notification.pk, status=Status.SENDING).update(
        status=Status.PENDING,
        last_error=reason,
        locked_until=None,
        next_attempt_at=timezone.now() + timedelta(seconds=delay),
    )
    return SendResult(Status.PENDING, retry_in=delay)


def resend_stale(*, older_than_seconds: int | None = None, limit: int = 1000) -> int:
    """Re-enqueue rows a lost message, a crash or a backoff left behind; returns how many.

    1. Rows whose sending lock expired after the last allowed attempt are marked failed: a
       notification that kills its worker every time is not retried forever.
    2. Due rows are re-enqueued: pending rows older than NOTIFICATION_STALE_SECONDS (their message
       was lost), pending retries whose backoff has passed, and sending rows whose lock expired
       (the worker died mid-send). Enqueuing one twice is harmless: the claim lets one through.
    """
    now = timezone.now()
    seconds = settings.NOTIFICATION_STALE_SECONDS if older_than_seconds is None else older_than_seconds
    stale = now - timedelta(seconds=seconds)
    Notification.objects.filter(
        status=Status.SENDING, locked_until__lt=now, attempts__gte=settings.NOTIFICATION_MAX_ATTEMPTS
    ).update(
        status=Status.FAILED,
        locked_until=None,
        last_error="the worker was lost during the last allowed attempt",
    )
    ids = list(
        Notification.objects.filter(
            Q(status=Status.PENDING, next_attempt_at__lte=now, created__lte=stale)
            | Q(status=Status.PENDING, next_attempt_at__lte=now, attempts__gt=0)
            | Q(status=Status.SENDING, locked_until__lt=now)
        )
        .order_by("next_attempt_at")
        .values_list("id", flat=True)[:limit]
    )
    enqueue(ids)
    return len(ids)


def notification_retry(*, ids: Iterable[int]) -> int:
    """Give failed notifications a fresh set of attempts now (the admin's "retry now")."""
    ids = list(ids)
    with transaction.atomic():
        retried = list(
            Notification.objects.filter(pk__in=ids, status=Status.FAILED).values_list("id", flat=True)
        )
        Notification.objects.filter(pk__in=retried, status=Status.FAILED).update(
            status=Status.PENDING, attempts=0, next_attempt_at=timezone.now(), locked_until=None
        )
        transaction.on_commit(lambda: enqueue(retried))
    return len(retried)


def notification_mark_read(*, user: Any, notification_id: int) -> Notification:
    """Mark one of the user's in-app notifications read; another user's is not found."""
    try:
        notification = Notification.objects.get(
            pk=notification_id, recipient=user, channel=Channel.IN_APP, status=Status.SENT
        )
    except Notification.DoesNotExist:
        raise NotFound(_("No such notification."))
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )
    return notification


def notification_mark_all_read(*, user: Any) -> int:
    return Notification.objects.filter(
        recipient=user, channel=Channel.IN_APP, status=Status.SENT, read_at__isnull=True
    ).update(read_at=timezone.now())
