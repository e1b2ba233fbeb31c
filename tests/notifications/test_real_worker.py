"""Delivery through a real Celery worker on the local Redis and the PostgreSQL test database."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from cuakhau.notifications import services
from cuakhau.notifications.models import Channel, Notification, Status
from cuakhau.notifications.selectors import inbox_for
from tests.support.worker import broker_mode, celery_worker, wait_until

from .conftest import recipient

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _notify(user, dedupe: str = "") -> list[int]:  # type: ignore[no-untyped-def]
    with transaction.atomic():
        return services.notify(
            event="booking.called",
            recipients=[user],
            subject_type="booking",
            subject_id=7,
            payload={"plate": "12C-123.45", "gate": "Hữu Nghị"},
            dedupe=dedupe,
        )


def _row(user, channel: str) -> Notification:  # type: ignore[no-untyped-def]
    return Notification.objects.get(recipient=user, channel=channel)


def test_a_real_worker_delivers_a_notification_to_the_inbox() -> None:
    user = recipient()
    with broker_mode(), celery_worker():
        _notify(user)
        # Nothing is in the inbox until the worker has run the send task.
        wait_until(lambda: inbox_for(user).exists())
    (notification,) = inbox_for(user)
    # rendered in the recipient's language (Vietnamese, the default) when the row was written
    assert notification.title == "Xe 12C-123.45: mời vào làn"
    assert notification.attempts == 1
    assert notification.sent_at is not None


def test_a_lost_message_is_delivered_by_the_sweep() -> None:
    user = recipient()
    with broker_mode(), celery_worker():
        # A crash between commit and enqueue: the row exists, no message was ever sent.
        with transaction.atomic():
            services.notify(event="booking.called", recipients=[user], subject_type="booking", subject_id=8)
            transaction.get_connection().run_on_commit.clear()
        Notification.objects.update(created=timezone.now() - timedelta(minutes=5))
        time.sleep(1)
        assert not inbox_for(user).exists()
        assert services.resend_stale() == 1
        wait_until(lambda: inbox_for(user).exists())


def test_sms_gateway_failing_three_times_then_succeeding_delivers_once_with_four_attempts(
    sms_gateway,  # type: ignore[no-untyped-def]
) -> None:
    sms_gateway.script = [500, 500, 500]
    user = recipient(sms=True)
    with (
        broker_mode(),
        celery_worker(SMS_GATEWAY_URL=sms_gateway.url, NOTIFICATION_BACKOFF_BASE_SECONDS="0.2"),
    ):
        _notify(user)
        wait_until(lambda: _row(user, Channel.SMS).status == Status.SENT, timeout=30)
        time.sleep(0.5)  # a duplicate send, if any, would arrive now

    sms = _row(user, Channel.SMS)
    assert sms.attempts == 4
    assert sms.last_error == ""
    assert len(sms_gateway.requests) == 4
    assert sms_gateway.keys == [sms.idempotency_key] * 4
    assert sms_gateway.requests[-1]["body"]["to"] == "0912345678"
    assert "12C-123.45" in sms_gateway.requests[-1]["body"]["text"]
    assert inbox_for(user).count() == 1


def test_a_worker_killed_mid_send_is_recovered_by_the_sweep_and_the_inbox_holds_it_once(
    sms_gateway,  # type: ignore[no-untyped-def]
) -> None:
    sms_gateway.script = ["block"]  # the first send hangs until the worker is dead
    user = recipient(sms=True)
    worker_settings = {"SMS_GATEWAY_URL": sms_gateway.url, "NOTIFICATION_LOCK_SECONDS": "3"}
    with broker_mode():
        with celery_worker(**worker_settings) as first:
            _notify(user)
            assert sms_gateway.received.wait(20), first.log()
            first.kill()
        sms_gateway.release.set()
        sms = _row(user, Channel.SMS)
        assert (sms.status, sms.attempts) == (Status.SENDING, 1)

        with celery_worker(**worker_settings):
            # The message died with the worker (Redis would only give it back after its
            # visibility timeout); the sweep finds the row once its lock has expired.
            def swept_and_sent() -> bool:
                services.resend_stale(older_than_seconds=0)
                return _sent(user)

            wait_until(swept_and_sent, timeout=30, interval=0.5)
            services.resend_stale(older_than_seconds=0)  # a second sweep changes nothing
            time.sleep(1)

    sms = _row(user, Channel.SMS)
    assert (sms.status, sms.attempts) == (Status.SENT, 2)
    assert sms_gateway.keys == [sms.idempotency_key] * 2
    assert Notification.objects.filter(recipient=user, channel=Channel.SMS).count() == 1
    assert inbox_for(user).count() == 1


def _sent(user) -> bool:  # type: ignore[no-untyped-def]
    return all(n.status == Status.SENT for n in Notification.objects.filter(recipient=user))
