"""The unread badge in the navigation follows new notifications without a page reload."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.test import Client

from cuakhau.notifications.models import Notification, Status

from .conftest import recipient

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_badge_appears_and_goes_away_without_a_reload(live_server, chromium) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    user = recipient(language="en")
    client = Client()
    client.force_login(user)
    session = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    context = chromium.new_context()
    context.add_cookies(
        [{"name": django_settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/portal/notifications/")
    expect(page.locator("#inbox-link .badge")).to_have_count(0)
    # htmx swaps the link out for the one the server sent and wires the new one up when it has
    # settled: a tab that comes back before then asks again at the next interval, not at once.
    page.evaluate(
        "window.settled = 0; document.body.addEventListener('htmx:afterSettle', () => window.settled++)"
    )

    Notification.objects.create(
        recipient=user, event="booking.called", title="12C-123.45: go to the lane",
        status=Status.SENT, idempotency_key="badge-1",
    )  # fmt: skip
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")  # the tab comes back
    expect(page.locator("#inbox-link .badge")).to_have_text("1")
    page.wait_for_function("window.settled >= 1")

    Notification.objects.update(read_at="2026-01-01T00:00:00Z")
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")  # the tab comes back
    expect(page.locator("#inbox-link .badge")).to_have_count(0)
    assert page.url.endswith("/portal/notifications/")  # the same page, never reloaded
