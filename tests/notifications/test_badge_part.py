"""The navigation's inbox link and unread badge are one template: every page includes it and the
badge URL serves it alone every 30 s (htmx), counting the caller's own notifications."""

from __future__ import annotations

import pytest

from cuakhau.notifications.models import Notification, Status
from tests.support.markup import element

from .conftest import recipient

pytestmark = pytest.mark.django_db

BADGE = "/portal/notifications/badge/"


def _unread(user, n: int) -> None:  # type: ignore[no-untyped-def]
    for i in range(n):
        Notification.objects.create(
            recipient=user, event="booking.called", title=f"Go to the lane {i}",
            status=Status.SENT, idempotency_key=f"part-{user.pk}-{i}",
        )  # fmt: skip


@pytest.mark.parametrize(("language", "inbox"), [("en", "Inbox"), ("vi", "Hộp thư"), ("zh-hans", "消息")])
def test_the_badge_part_is_the_pages_link_in_each_language(client, language, inbox):
    user = recipient()
    _unread(user, 2)
    client.force_login(user)
    page = client.get(f"/portal/notifications/?lang={language}").content.decode()
    part = client.get(f"{BADGE}?lang={language}")
    assert part.status_code == 200 and "no-cache" in part["Cache-Control"]
    link = element(page, "inbox-link")
    assert link and link == element(part.content.decode(), "inbox-link")
    assert link.endswith(f'>{inbox} <span class="badge">2</span></a>')


def test_the_badge_counts_only_the_callers_unread_notifications(client):
    user, other = recipient(), recipient()
    _unread(other, 3)
    client.force_login(user)
    assert 'class="badge"' not in client.get(BADGE).content.decode()
    _unread(user, 1)
    assert '<span class="badge">1</span>' in client.get(BADGE).content.decode()
    Notification.objects.filter(recipient=user).update(read_at="2026-01-01T00:00:00Z")
    assert 'class="badge"' not in client.get(BADGE).content.decode()


def test_the_badge_part_is_for_signed_in_people_like_the_inbox(client, db):
    response = client.get(BADGE)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    client.force_login(recipient())
    assert client.post(BADGE).status_code == 405
