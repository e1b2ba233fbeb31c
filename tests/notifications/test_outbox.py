"""The outbox: written with the caller's change, sent once, retried with a cap, never forever."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.db import transaction
from django.utils import timezone

from cuakhau.notifications import services
from cuakhau.notifications.models import Channel, Notification, Status
from cuakhau.notifications.selectors import inbox_for
from tests import factories

from .conftest import recipient

pytestmark = pytest.mark.django_db


def _notify(user, **kwargs):  # type: ignore[no-untyped-def]
    defaults = {
        "event": "declaration.cleared",
        "recipients": [user],
        "subject_type": "declaration",
        "subject_id": 42,
        "payload": {"number": "TK-42", "plate": "12C-123.45"},
    }
    return services.notify(**(defaults | kwargs))


def test_notify_twice_for_the_same_fact_writes_one_row_per_channel(
    django_capture_on_commit_callbacks,
) -> None:
    user = recipient(email=True)
    with django_capture_on_commit_callbacks(execute=True):
        first = _notify(user)
        second = _notify(user)
    assert len(first) == 2
    assert second == []
    assert Notification.objects.filter(recipient=user).count() == 2
    assert len(mail.outbox) == 1


def test_a_different_dedupe_is_a_different_fact(django_capture_on_commit_callbacks) -> None:
    user = recipient()
    with django_capture_on_commit_callbacks(execute=True):
        _notify(user, dedupe="review-1")
        _notify(user, dedupe="review-2")
    assert inbox_for(user).count() == 2


def test_a_long_dedupe_still_gives_each_recipient_and_channel_their_own_row(
    django_capture_on_commit_callbacks,
) -> None:
    first, second = recipient(email=True), recipient(email=True)
    long_dedupe = "rebooked:" + ",".join(str(n) for n in range(100))
    with django_capture_on_commit_callbacks(execute=True):
        _notify(first, recipients=[first, second], dedupe=long_dedupe)
        again = _notify(first, recipients=[first, second], dedupe=long_dedupe)
    rows = Notification.objects.filter(recipient__in=[first, second])
    assert rows.count() == 4  # two people, in-app and e-mail each
    assert again == []  # and the same fact told twice is still one row each
    assert all(len(r.idempotency_key) <= 200 for r in rows)


def test_a_rolled_back_change_leaves_no_row_and_sends_nothing(django_capture_on_commit_callbacks) -> None:
    user = recipient(email=True)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        _notify(user)
        raise RuntimeError("the change failed")
    assert callbacks == []
    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_nothing_is_sent_before_the_callers_transaction_commits(django_capture_on_commit_callbacks) -> None:
    user = recipient()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _notify(user)
    assert Notification.objects.get().status == Status.PENDING
    assert len(callbacks) == 1


def test_eager_mode_delivers_in_app_and_email_synchronously_after_commit(
    django_capture_on_commit_callbacks,
) -> None:
    user = recipient(email=True, language="en")
    with django_capture_on_commit_callbacks(execute=True):
        _notify(user)
    (in_app,) = inbox_for(user)
    assert (in_app.status, in_app.attempts, in_app.title) == (Status.SENT, 1, "Declaration TK-42 cleared")
    assert mail.outbox[0].subject == "Declaration TK-42 cleared"
    assert mail.outbox[0].to == [user.email]
    assert mail.outbox[0].extra_headers["X-Idempotency-Key"].endswith(":email")


def test_a_user_without_profile_gets_in_app_only_in_the_default_language(
    django_capture_on_commit_callbacks,
) -> None:
    user = factories.UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        _notify(user)
    assert list(Notification.objects.values_list("channel", "language")) == [(Channel.IN_APP, "vi")]


def test_channels_argument_narrows_the_users_choice(django_capture_on_commit_callbacks) -> None:
    user = recipient(email=True, sms=True)
    with django_capture_on_commit_callbacks(execute=False):
        _notify(user, channels=[Channel.IN_APP])
    assert list(Notification.objects.values_list("channel", flat=True)) == [Channel.IN_APP]


def test_gateway_refusal_marks_the_sms_failed_with_the_reason(
    settings, sms_gateway, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    settings.SMS_GATEWAY_URL = sms_gateway.url
    sms_gateway.script = [400]
    user = recipient(sms=True)
    with django_capture_on_commit_callbacks(execute=True):
        _notify(user)
    sms = Notification.objects.get(channel=Channel.SMS)
    assert sms.status == Status.FAILED
    assert sms.last_error.startswith("gateway refused: 400")
    assert len(sms_gateway.requests) == 1


def test_missing_gateway_configuration_is_a_permanent_failure(
    settings, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    settings.SMS_GATEWAY_URL = ""
    user = recipient(sms=True)
    with django_capture_on_commit_callbacks(execute=True):
        _notify(user)
    sms = Notification.objects.get(channel=Channel.SMS)
    assert (sms.status, sms.last_error) == (Status.FAILED, "SMS_GATEWAY_URL is not configured")


def test_a_transient_failure_in_eager_mode_waits_for_the_sweep_instead_of_looping(
    settings, sms_gateway, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    settings.SMS_GATEWAY_URL = sms_gateway.url
    sms_gateway.script = [500, 500]
    user = recipient(sms=True)
    with django_capture_on_commit_callbacks(execute=True):
        _notify(user)
    sms = Notification.objects.get(channel=Channel.SMS)
    assert (sms.status, sms.attempts, sms.last_error) == (Status.PENDING, 1, "gateway answered 500")
    assert sms.next_attempt_at > timezone.now()
    assert len(sms_gateway.requests) == 1

    # Before the backoff has passed the sweep leaves it alone; after it, the sweep sends again.
    assert services.resend_stale() == 0
    with time_machine.travel(timezone.now() + timedelta(seconds=6), tick=False):
        assert services.resend_stale() == 1
    sms.refresh_from_db()
    assert (sms.status, sms.attempts) == (Status.PENDING, 2)
    with time_machine.travel(timezone.now() + timedelta(seconds=30), tick=False):
        services.resend_stale()
    sms.refresh_from_db()
    assert (sms.status, sms.attempts, sms.last_error) == (Status.SENT, 3, "")
    assert sms_gateway.keys == [sms.idempotency_key] * 3


def test_transient_failures_give_up_after_the_maximum_attempts(
    settings, sms_gateway, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    settings.SMS_GATEWAY_URL = sms_gateway.url
    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    sms_gateway.script = [503] * 10
    user = recipient(sms=True)
    with django_capture_on_commit_callbacks(execute=True):
        _notify(user)
    sms = Notification.objects.get(channel=Channel.SMS)
    for minutes in (1, 2, 3, 4, 5):
        with time_machine.travel(timezone.now() + timedelta(minutes=minutes * 15), tick=False):
            services.resend_stale()
    sms.refresh_from_db()
    assert (sms.status, sms.attempts) == (Status.FAILED, 3)
    assert sms.last_error == "gave up after 3 attempts: gateway answered 503"
    assert len(sms_gateway.requests) == 3


def test_backoff_doubles_from_the_base_and_stops_at_the_cap(settings) -> None:  # type: ignore[no-untyped-def]
    settings.NOTIFICATION_BACKOFF_BASE_SECONDS = 5
    settings.NOTIFICATION_BACKOFF_CAP_SECONDS = 600
    assert [services.backoff_seconds(n) for n in (1, 2, 3, 4)] == [5, 10, 20, 40]
    assert services.backoff_seconds(8) == 600
    assert services.backoff_seconds(30) == 600


def _row(user, **fields) -> Notification:  # type: ignore[no-untyped-def]
    defaults = {
        "recipient": user,
        "event": "booking.called",
        "title": "t",
        "idempotency_key": f"k-{Notification.objects.count()}",
    }
    return Notification.objects.create(**(defaults | fields))


def test_a_row_another_worker_is_sending_is_not_claimed_until_its_lock_expires() -> None:
    user = recipient()
    row = _row(user, status=Status.SENDING, attempts=1, locked_until=timezone.now() + timedelta(seconds=60))
    assert services.notification_send(notification_id=row.pk).status == "skipped"
    with time_machine.travel(timezone.now() + timedelta(seconds=61), tick=False):
        assert services.notification_send(notification_id=row.pk).status == Status.SENT
    row.refresh_from_db()
    assert (row.status, row.attempts, row.locked_until) == (Status.SENT, 2, None)


def test_a_sent_or_failed_row_is_never_sent_again() -> None:
    user = recipient()
    sent = _row(user, status=Status.SENT, attempts=1)
    failed = _row(user, status=Status.FAILED, attempts=6)
    assert services.notification_send(notification_id=sent.pk).status == "skipped"
    assert services.notification_send(notification_id=failed.pk).status == "skipped"
    assert services.resend_stale(older_than_seconds=0) == 0


def test_the_sweep_picks_lost_messages_and_dead_sends_but_not_fresh_or_waiting_rows(
    settings, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    settings.NOTIFICATION_STALE_SECONDS = 120
    enqueued: list[int] = []
    monkeypatch.setattr(services, "enqueue", lambda ids, **kw: enqueued.extend(ids))
    user = recipient()
    now = timezone.now()
    fresh = _row(user)
    lost = _row(user)
    Notification.objects.filter(pk=lost.pk).update(created=now - timedelta(minutes=5))
    waiting = _row(user, attempts=1, next_attempt_at=now + timedelta(minutes=1))
    due_retry = _row(user, attempts=1, next_attempt_at=now - timedelta(seconds=1))
    dead = _row(user, status=Status.SENDING, attempts=1, locked_until=now - timedelta(seconds=1))
    live = _row(user, status=Status.SENDING, attempts=1, locked_until=now + timedelta(seconds=30))
    exhausted = _row(user, status=Status.SENDING, attempts=6, locked_until=now - timedelta(seconds=1))

    assert services.resend_stale() == 3
    assert set(enqueued) == {lost.pk, due_retry.pk, dead.pk}
    assert fresh.pk not in enqueued and waiting.pk not in enqueued and live.pk not in enqueued
    exhausted.refresh_from_db()
    assert exhausted.status == Status.FAILED
    assert "lost" in exhausted.last_error


def test_retry_now_gives_a_failed_row_fresh_attempts(django_capture_on_commit_callbacks) -> None:
    user = recipient()
    failed = _row(user, status=Status.FAILED, attempts=6, last_error="boom")
    sent = _row(user, status=Status.SENT, attempts=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.notification_retry(ids=[failed.pk, sent.pk]) == 1
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (Status.SENT, 1)


def test_a_bug_in_a_channel_is_recorded_and_retried(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from cuakhau.notifications import channels

    def broken(notification):  # type: ignore[no-untyped-def]
        raise ZeroDivisionError("oops")

    monkeypatch.setattr(channels.SENDERS[Channel.IN_APP], "send", broken)
    row = _row(recipient())
    assert services.notification_send(notification_id=row.pk).status == Status.PENDING
    row.refresh_from_db()
    assert row.last_error == "ZeroDivisionError: oops"


def test_a_notification_redelivered_after_its_last_attempt_is_not_sent_again(settings) -> None:  # type: ignore[no-untyped-def]
    """The worker died during the last allowed attempt; the broker hands the message out again
    before the sweep has marked the row failed. Nobody may claim it: no seventh attempt."""
    settings.NOTIFICATION_MAX_ATTEMPTS = 6
    user = recipient()
    now = timezone.now()
    row = _row(user, status=Status.SENDING, attempts=6, locked_until=now - timedelta(seconds=1))
    assert services.notification_send(notification_id=row.pk) == services.SendResult("skipped")
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.SENDING, 6)
    assert not inbox_for(user).exists()
    services.resend_stale()
    row.refresh_from_db()
    assert (row.status, row.attempts, row.locked_until) == (Status.FAILED, 6, None)
    assert row.last_error == "the worker was lost during the last allowed attempt"


def test_a_due_row_that_used_all_its_attempts_is_not_claimed(settings) -> None:  # type: ignore[no-untyped-def]
    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    row = _row(recipient(), attempts=3, next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert services.notification_send(notification_id=row.pk).status == "skipped"
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.PENDING, 3)


def test_the_last_allowed_attempt_is_made_and_then_the_row_gives_up(settings, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from cuakhau.notifications import channels

    def unreachable(notification):  # type: ignore[no-untyped-def]
        raise channels.TransientError("gateway timed out")

    monkeypatch.setattr(channels.SENDERS[Channel.IN_APP], "send", unreachable)
    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    row = _row(recipient(), attempts=2, next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert services.notification_send(notification_id=row.pk) == services.SendResult(Status.FAILED)
    row.refresh_from_db()
    assert (row.status, row.attempts, row.locked_until) == (Status.FAILED, 3, None)
    assert row.last_error == "gave up after 3 attempts: gateway timed out"


def test_a_pending_row_is_claimed_only_when_due(settings) -> None:  # type: ignore[no-untyped-def]
    settings.NOTIFICATION_LOCK_SECONDS = 60
    now = timezone.now()
    row = _row(recipient(), attempts=1, next_attempt_at=now + timedelta(seconds=10))
    with time_machine.travel(now, tick=False):
        assert services.notification_send(notification_id=row.pk).status == "skipped"
    with time_machine.travel(now + timedelta(seconds=10), tick=False):
        assert services.notification_send(notification_id=row.pk) == services.SendResult(Status.SENT)
    row.refresh_from_db()
    assert (row.status, row.attempts, row.sent_at, row.locked_until, row.last_error) == (
        Status.SENT,
        2,
        now + timedelta(seconds=10),
        None,
        "",
    )


def test_a_failed_attempt_waits_the_backoff_and_keeps_the_reason(settings, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from cuakhau.notifications import channels

    def busy(notification):  # type: ignore[no-untyped-def]
        raise channels.TransientError("busy")

    monkeypatch.setattr(channels.SENDERS[Channel.IN_APP], "send", busy)
    settings.NOTIFICATION_MAX_ATTEMPTS = 6
    settings.NOTIFICATION_BACKOFF_BASE_SECONDS = 5
    now = timezone.now()
    row = _row(recipient(), attempts=2, next_attempt_at=now)
    with time_machine.travel(now, tick=False):
        result = services.notification_send(notification_id=row.pk)
    assert result == services.SendResult(Status.PENDING, retry_in=20)  # third failure: 5 × 2²
    row.refresh_from_db()
    assert (row.status, row.attempts, row.locked_until, row.last_error) == (Status.PENDING, 3, None, "busy")
    assert row.next_attempt_at == now + timedelta(seconds=20)


def test_retry_now_touches_only_the_failed_rows_it_was_given(django_capture_on_commit_callbacks) -> None:
    user = recipient()
    chosen = _row(user, status=Status.FAILED, attempts=6, last_error="boom")
    other = _row(user, status=Status.FAILED, attempts=6, last_error="boom")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert services.notification_retry(ids=[chosen.pk]) == 1
    assert len(callbacks) == 1
    other.refresh_from_db()
    assert (other.status, other.attempts) == (Status.FAILED, 6)
    chosen.refresh_from_db()
    assert (chosen.status, chosen.attempts) == (Status.PENDING, 0)


def test_a_retried_row_is_due_at_once_whatever_its_last_backoff(django_capture_on_commit_callbacks) -> None:
    later = timezone.now() + timedelta(hours=1)
    failed = _row(recipient(), status=Status.FAILED, attempts=6, next_attempt_at=later)
    with time_machine.travel(timezone.now(), tick=False):
        now = timezone.now()
        with django_capture_on_commit_callbacks(execute=False):
            services.notification_retry(ids=[failed.pk])
        failed.refresh_from_db()
        assert failed.next_attempt_at == now
        assert services.notification_send(notification_id=failed.pk) == services.SendResult(Status.SENT)


def test_a_long_failure_reason_is_kept_to_2000_characters(settings, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from cuakhau.notifications import channels

    def verbose(notification):  # type: ignore[no-untyped-def]
        raise channels.TransientError("x" * 3000)

    monkeypatch.setattr(channels.SENDERS[Channel.IN_APP], "send", verbose)
    settings.NOTIFICATION_MAX_ATTEMPTS = 2
    row = _row(recipient())
    services.notification_send(notification_id=row.pk)
    row.refresh_from_db()
    assert (row.status, row.last_error) == (Status.PENDING, "x" * 2000)
    Notification.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    services.notification_send(notification_id=row.pk)
    row.refresh_from_db()
    assert row.status == Status.FAILED
    assert row.last_error == ("gave up after 2 attempts: " + "x" * 3000)[:2000]


def test_a_failure_touches_only_its_own_row_and_never_a_row_sent_meanwhile(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from cuakhau.notifications import channels

    user = recipient()
    other = _row(user, status=Status.SENDING, attempts=1, locked_until=timezone.now() + timedelta(seconds=60))
    row = _row(user)

    def delivered_elsewhere_then_refused(notification):  # type: ignore[no-untyped-def]
        # Our lock expired mid-send; another worker delivered the row; then our gateway refuses.
        Notification.objects.filter(pk=notification.pk).update(status=Status.SENT)
        raise channels.PermanentError("refused")

    monkeypatch.setattr(channels.SENDERS[Channel.IN_APP], "send", delivered_elsewhere_then_refused)
    services.notification_send(notification_id=row.pk)
    row.refresh_from_db()
    other.refresh_from_db()
    assert (row.status, row.last_error) == (Status.SENT, "")
    assert other.status == Status.SENDING


def test_the_sweep_leaves_a_last_attempt_that_is_still_running(settings) -> None:  # type: ignore[no-untyped-def]
    settings.NOTIFICATION_MAX_ATTEMPTS = 6
    row = _row(
        recipient(), status=Status.SENDING, attempts=6, locked_until=timezone.now() + timedelta(seconds=30)
    )
    services.resend_stale()
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.SENDING, 6)


def test_the_sweep_age_can_be_given(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    enqueued: list[int] = []
    monkeypatch.setattr(services, "enqueue", lambda ids, **kw: enqueued.extend(ids))
    row = _row(recipient())
    Notification.objects.filter(pk=row.pk).update(created=timezone.now() - timedelta(seconds=5))
    assert services.resend_stale() == 0  # younger than NOTIFICATION_STALE_SECONDS
    assert services.resend_stale(older_than_seconds=1) == 1
    assert enqueued == [row.pk]


def test_an_old_row_that_is_not_due_yet_is_left_alone(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(services, "enqueue", lambda ids, **kw: None)
    row = _row(recipient(), next_attempt_at=timezone.now() + timedelta(hours=1))
    Notification.objects.filter(pk=row.pk).update(created=timezone.now() - timedelta(hours=1))
    assert services.resend_stale() == 0


def test_the_sweep_hands_out_at_most_a_thousand_rows_a_run(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    enqueued: list[int] = []
    monkeypatch.setattr(services, "enqueue", lambda ids, **kw: enqueued.extend(ids))
    user = recipient()
    old = timezone.now() - timedelta(hours=1)
    Notification.objects.bulk_create(
        Notification(recipient=user, event="booking.called", title="t", idempotency_key=f"bulk-{i}")
        for i in range(1001)
    )
    Notification.objects.update(created=old, next_attempt_at=old)
    assert services.resend_stale() == 1000
    assert len(set(enqueued)) == 1000


def test_a_send_holds_its_row_locked_for_the_lock_time(settings, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from cuakhau.notifications import channels

    settings.NOTIFICATION_LOCK_SECONDS = 60
    seen: list[tuple] = []
    monkeypatch.setattr(
        channels.SENDERS[Channel.IN_APP],
        "send",
        lambda n: seen.append(Notification.objects.values_list("status", "locked_until").get(pk=n.pk)),
    )
    row = _row(recipient())
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        services.notification_send(notification_id=row.pk)
    assert seen == [(Status.SENDING, now + timedelta(seconds=60))]


def test_an_outcome_touches_only_its_own_row(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from cuakhau.notifications import channels

    user = recipient()
    other = _row(user, status=Status.SENDING, attempts=1, locked_until=timezone.now() + timedelta(seconds=60))
    services.notification_send(notification_id=_row(user).pk)  # sent

    def busy(notification):  # type: ignore[no-untyped-def]
        raise channels.TransientError("busy")

    monkeypatch.setattr(channels.SENDERS[Channel.IN_APP], "send", busy)
    services.notification_send(notification_id=_row(user).pk)  # back to pending
    other.refresh_from_db()
    assert (other.status, other.attempts, other.last_error) == (Status.SENDING, 1, "")


def test_an_outcome_never_overwrites_a_row_another_worker_finished(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from cuakhau.notifications import channels

    earlier = timezone.now() - timedelta(seconds=10)

    def finished_elsewhere(notification):  # type: ignore[no-untyped-def]
        Notification.objects.filter(pk=notification.pk).update(status=Status.SENT, sent_at=earlier)

    monkeypatch.setattr(channels.SENDERS[Channel.IN_APP], "send", finished_elsewhere)
    row = _row(recipient())
    services.notification_send(notification_id=row.pk)
    row.refresh_from_db()
    assert (row.status, row.sent_at) == (Status.SENT, earlier)

    def finished_elsewhere_then_busy(notification):  # type: ignore[no-untyped-def]
        finished_elsewhere(notification)
        raise channels.TransientError("busy")

    monkeypatch.setattr(channels.SENDERS[Channel.IN_APP], "send", finished_elsewhere_then_busy)
    row = _row(recipient())
    services.notification_send(notification_id=row.pk)
    row.refresh_from_db()
    assert (row.status, row.last_error) == (Status.SENT, "")
