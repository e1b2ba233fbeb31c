"""The inbox in the portal, over the API and in the admin; the unread badge."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cuakhau.notifications.models import Channel, Notification, Status
from tests import factories

from .conftest import recipient

pytestmark = pytest.mark.django_db


def delivered(user, n: int = 1, **fields):  # type: ignore[no-untyped-def]
    rows = []
    for i in range(n):
        defaults = {
            "recipient": user,
            "event": "declaration.cleared",
            "subject_type": "declaration",
            "subject_id": 100 + i,
            "title": f"Declaration TK-{i} cleared",
            "body": "Cleared by every agency.",
            "status": Status.SENT,
            "idempotency_key": f"{user.pk}-{i}-{fields.get('channel', 'in_app')}",
        }
        rows.append(Notification.objects.create(**(defaults | fields)))
    return rows


# --- API ------------------------------------------------------------------------------------


def test_the_api_lists_only_the_callers_delivered_in_app_notifications(api_client) -> None:  # type: ignore[no-untyped-def]
    user, other = recipient(), recipient()
    (mine,) = delivered(user)
    delivered(other)
    delivered(user, channel=Channel.EMAIL, subject_id=1)
    delivered(user, status=Status.PENDING, subject_id=2, idempotency_key="pending")
    api_client.force_authenticate(user)
    response = api_client.get("/api/v1/notifications/")
    assert response.status_code == 200
    assert response.json()["count"] == 1
    item = response.json()["results"][0]
    assert {k: item[k] for k in ("id", "event", "subject", "subject_id", "title", "body", "read")} == {
        "id": mine.pk,
        "event": "declaration.cleared",
        "subject": "declaration",
        "subject_id": 100,
        "title": "Declaration TK-0 cleared",
        "body": "Cleared by every agency.",
        "read": False,
    }
    assert "+" in item["created"] or item["created"].endswith("Z")


def test_the_api_needs_a_signed_in_user(api_client) -> None:  # type: ignore[no-untyped-def]
    assert api_client.get("/api/v1/notifications/").status_code == 401
    assert api_client.post("/api/v1/notifications/read-all/").status_code == 401


def test_marking_one_read_over_the_api(api_client) -> None:  # type: ignore[no-untyped-def]
    user = recipient()
    first, second = delivered(user, 2)
    api_client.force_authenticate(user)
    response = api_client.post(f"/api/v1/notifications/{first.pk}/read/")
    assert response.status_code == 200
    assert response.json()["read"] is True
    assert api_client.get("/api/v1/notifications/unread-count/").json() == {"unread": 1}
    assert [n["id"] for n in api_client.get("/api/v1/notifications/?unread=1").json()["results"]] == [
        second.pk
    ]


def test_another_users_notification_is_not_found(api_client) -> None:  # type: ignore[no-untyped-def]
    (theirs,) = delivered(recipient())
    api_client.force_authenticate(recipient())
    response = api_client.post(f"/api/v1/notifications/{theirs.pk}/read/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert api_client.get(f"/api/v1/notifications/{theirs.pk}/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_an_unknown_id_is_not_found_and_a_wrong_method_is_refused(api_client) -> None:  # type: ignore[no-untyped-def]
    api_client.force_authenticate(recipient())
    assert api_client.post("/api/v1/notifications/999999/read/").status_code == 404
    for junk in ("abc", "1e3", "-1", "²", "99999999999999999999999"):
        response = api_client.post(f"/api/v1/notifications/{junk}/read/")
        assert response.status_code == 404, junk
        assert response.json()["code"] == "not_found"
    assert api_client.get("/api/v1/notifications/1/read/").status_code == 405
    assert api_client.delete("/api/v1/notifications/1/").status_code == 405


def test_read_all_marks_only_the_callers_notifications(api_client) -> None:  # type: ignore[no-untyped-def]
    user, other = recipient(), recipient()
    delivered(user, 3)
    delivered(other, 2)
    api_client.force_authenticate(user)
    assert api_client.post("/api/v1/notifications/read-all/").json() == {"marked": 3}
    assert api_client.get("/api/v1/notifications/unread-count/").json() == {"unread": 0}
    assert Notification.objects.filter(recipient=other, read_at__isnull=True).count() == 2


# --- Portal ---------------------------------------------------------------------------------


def test_the_inbox_page_lists_notifications_and_the_nav_badge_counts_unread(client) -> None:  # type: ignore[no-untyped-def]
    user = recipient()
    delivered(user, 2)
    client.force_login(user)
    page = client.get("/portal/notifications/").content.decode()
    assert "Declaration TK-0 cleared" in page and "Declaration TK-1 cleared" in page
    assert '<span class="badge">2</span>' in page
    assert 'href="/portal/declarations/100/"' in page
    assert 'hx-get="/portal/notifications/badge/" hx-trigger="every 30s, live-refresh"' in page


def test_the_badge_query_runs_once_per_page(client, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    from django.template import Context, Template
    from django.test import RequestFactory

    from cuakhau.notifications.context_processors import unread_count

    user = recipient()
    delivered(user, 3)
    request = RequestFactory().get("/")
    request.user = user
    context = Context(unread_count(request))
    template = Template(
        "{% if unread_notifications %}{{ unread_notifications }}/{{ unread_notifications }}{% endif %}"
    )
    with django_assert_max_num_queries(1):
        assert template.render(context) == "3/3"


@pytest.mark.parametrize("url", ["/portal/notifications/", "/api/v1/notifications/"])
def test_the_inbox_runs_as_many_queries_for_thirty_notifications_as_for_three(client, url) -> None:  # type: ignore[no-untyped-def]
    user = recipient()
    client.force_login(user)
    counts = []
    for n in (3, 30):
        Notification.objects.filter(recipient=user).delete()
        delivered(user, n)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 7


def test_anonymous_users_are_sent_to_log_in(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/portal/notifications/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_marking_read_in_the_portal_one_and_all(client) -> None:  # type: ignore[no-untyped-def]
    user = recipient()
    first, second, third = delivered(user, 3)
    client.force_login(user)
    response = client.post(
        reverse("notifications-read", args=[first.pk]), {"next": "/portal/notifications/?page=1"}
    )
    assert response["Location"] == "/portal/notifications/?page=1"
    first.refresh_from_db()
    assert first.read_at is not None
    assert client.get(reverse("notifications-read", args=[second.pk])).status_code == 405
    client.post(reverse("notifications-read-all"))
    assert not Notification.objects.filter(recipient=user, read_at__isnull=True).exists()


def test_marking_read_refuses_another_users_notification_and_foreign_redirects(client) -> None:  # type: ignore[no-untyped-def]
    (theirs,) = delivered(recipient())
    me = recipient()
    (mine,) = delivered(me)
    client.force_login(me)
    response = client.post(reverse("notifications-read", args=[theirs.pk]), {"next": "/portal/"})
    assert response.status_code == 404  # like the API: another user's notification does not exist
    from django.utils import translation

    with translation.override("vi"):  # the reader's language
        assert translation.gettext("No such notification.") in response.content.decode()
    theirs.refresh_from_db()
    assert theirs.read_at is None
    response = client.post(reverse("notifications-read", args=[mine.pk]), {"next": "https://evil.example/"})
    assert response["Location"] == reverse("notifications-inbox")


def test_the_settings_page_is_the_users_channel_and_language_form(client) -> None:  # type: ignore[no-untyped-def]
    client.force_login(recipient())
    response = client.get("/portal/notifications/settings/")
    assert response.status_code == 302
    assert response["Location"] == "/portal/profile/"


# --- Admin ----------------------------------------------------------------------------------


def test_admin_shows_failures_and_retry_now_requeues_them(client, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    admin_user = factories.UserFactory(is_staff=True, is_superuser=True)
    user = recipient()
    (failed,) = delivered(
        user, status=Status.FAILED, attempts=6, last_error="gateway refused: 400 bad number"
    )
    client.force_login(admin_user)
    page = client.get("/admin/notifications/notification/?status__exact=failed").content.decode()
    assert "gateway refused: 400 bad number" in page
    assert client.get(f"/admin/notifications/notification/{failed.pk}/change/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/admin/notifications/notification/",
            {"action": "retry_now", "_selected_action": [failed.pk]},
        )
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (Status.SENT, 1)


def test_a_manager_sees_the_outbox_but_cannot_retry_or_edit(client) -> None:  # type: ignore[no-untyped-def]
    from cuakhau.accounts.roles import Role

    manager = factories.staff_user(Role.GATE_MANAGER)
    (failed,) = delivered(recipient(), status=Status.FAILED, attempts=6, last_error="boom")
    client.force_login(manager)
    page = client.get("/admin/notifications/notification/")
    assert page.status_code == 200
    assert b"retry_now" not in page.content
    client.post(f"/admin/notifications/notification/{failed.pk}/change/", {"status": "sent"})
    failed.refresh_from_db()
    assert failed.status == Status.FAILED
