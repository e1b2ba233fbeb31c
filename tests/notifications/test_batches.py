"""The outbox in batches: one INSERT per notify(), one message per batch of rows, a batch claimed,
read and marked sent in a few statements, every row still sent at most once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cuakhau.notifications import services, tasks
from cuakhau.notifications.models import Channel, Notification, Status

from .conftest import recipient

pytestmark = pytest.mark.django_db


def _notify(users, **kwargs):  # type: ignore[no-untyped-def]
    return services.notify(
        event="booking.called",
        recipients=users,
        subject_type="booking",
        subject_id=7,
        payload={"plate": "12C-123.45", "gate": "Hữu Nghị"},
        **kwargs,
    )


def _row(user, **fields):  # type: ignore[no-untyped-def]
    defaults = {
        "recipient": user,
        "event": "booking.called",
        "title": "t",
        "idempotency_key": f"b-{Notification.objects.count()}",
    }
    return Notification.objects.create(**(defaults | fields))


def test_notify_in_a_transaction_reads_the_profiles_and_writes_every_row_in_one_insert() -> None:
    from django.contrib.auth import get_user_model

    made = [recipient(email=True) for _ in range(3)]
    users = list(get_user_model().objects.filter(pk__in=[u.pk for u in made]))  # profiles not read
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        ids = _notify(users)
    assert len(ids) == 6  # in-app and e-mail for each of three people
    statements = [q["sql"].split()[0].upper() for q in queries.captured_queries]
    assert statements == ["SELECT", "INSERT"]
    assert sorted(ids) == sorted(Notification.objects.values_list("id", flat=True))


def test_notify_uses_the_profiles_read_with_the_recipients() -> None:
    from django.contrib.auth import get_user_model

    made = [recipient(email=True), recipient(email=False)]
    users = list(get_user_model().objects.filter(pk__in=[u.pk for u in made]).select_related("profile"))
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        ids = _notify(users)
    assert [q["sql"].split()[0].upper() for q in queries.captured_queries] == ["INSERT"]
    channels = sorted(Notification.objects.filter(pk__in=ids).values_list("recipient_id", "channel"))
    assert channels == sorted([(made[0].pk, "email"), (made[0].pk, "in_app"), (made[1].pk, "in_app")])


def test_notify_again_returns_no_ids_and_a_half_new_fact_only_the_new_rows() -> None:
    first, second = recipient(), recipient()
    with transaction.atomic():
        assert len(_notify([first])) == 1
        again = _notify([first, second])
    assert again == [Notification.objects.get(recipient=second).pk]


def test_rows_are_enqueued_as_one_message_per_hundred(
    monkeypatch, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    sent: list[list[int]] = []
    monkeypatch.setattr(tasks.send_notifications, "apply_async", lambda args, **kw: sent.append(args[0]))
    users = [recipient() for _ in range(150)]
    with django_capture_on_commit_callbacks(execute=True):
        ids = _notify(users)
    assert [len(batch) for batch in sent] == [100, 50]
    assert [i for batch in sent for i in batch] == ids


def test_a_batch_is_claimed_read_and_marked_sent_in_three_statements() -> None:
    users = [recipient() for _ in range(20)]
    rows = [_row(u) for u in users]
    with CaptureQueriesContext(connection) as queries:
        results = services.notification_send_many(ids=[r.pk for r in rows])
    assert len(queries.captured_queries) == 3
    assert {status for _id, status in ((i, r.status) for i, r in results)} == {Status.SENT}
    assert Notification.objects.filter(status=Status.SENT, attempts=1, locked_until=None).count() == 20


def test_a_batch_skips_rows_sent_failed_or_being_sent_by_another_worker() -> None:
    user = recipient()
    due = _row(user)
    sent = _row(user, status=Status.SENT, attempts=1)
    failed = _row(user, status=Status.FAILED, attempts=6)
    busy = _row(user, status=Status.SENDING, attempts=1, locked_until=timezone.now() + timedelta(seconds=30))
    later = _row(user, next_attempt_at=timezone.now() + timedelta(minutes=5))
    results = services.notification_send_many(ids=[due.pk, sent.pk, failed.pk, busy.pk, later.pk])
    assert [i for i, _r in results] == [due.pk]
    busy.refresh_from_db()
    assert (busy.status, busy.attempts) == (Status.SENDING, 1)
    later.refresh_from_db()
    assert (later.status, later.attempts) == (Status.PENDING, 0)


def test_the_same_batch_sent_twice_sends_each_email_once() -> None:
    users = [recipient(email=True) for _ in range(3)]
    with transaction.atomic():
        ids = _notify(users)
    services.notification_send_many(ids=ids)
    services.notification_send_many(ids=ids)
    assert len(mail.outbox) == 3
    assert Notification.objects.filter(status=Status.SENT).count() == 6


def test_a_failing_row_in_a_batch_is_retried_alone_and_the_others_are_sent(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from cuakhau.notifications import channels

    good, bad = recipient(email=True), recipient()
    with transaction.atomic():
        ids = _notify([good, bad])
    bad.email = ""
    bad.save()
    Notification.objects.filter(recipient=bad).update(channel=Channel.EMAIL)
    monkeypatch.setattr(channels.SENDERS[Channel.SMS], "send", lambda n: None)
    results = dict(services.notification_send_many(ids=ids))
    assert Notification.objects.get(recipient=bad).status == Status.FAILED  # no address: permanent
    assert set(Notification.objects.filter(recipient=good).values_list("status", flat=True)) == {Status.SENT}
    assert sorted(results) == sorted(ids)


def test_the_batch_task_in_eager_mode_sends_what_notify_wrote(django_capture_on_commit_callbacks) -> None:
    users = [recipient(language="en") for _ in range(2)]
    with django_capture_on_commit_callbacks(execute=True):
        _notify(users)
    assert list(Notification.objects.values_list("status", flat=True)) == [Status.SENT, Status.SENT]
