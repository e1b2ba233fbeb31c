"""The live parts in a real Chromium under the pages' own Content-Security-Policy (no bypass) and
with no network beyond the site: htmx and the JavaScript catalog come from the site itself, the
kiosk swaps the server's verdict panel in, and says in the page's language when the server
cannot be reached."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.test import Client

from cuakhau.accounts.roles import Role
from tests import factories
from tests.declarations.conftest import new_draft
from tests.kiosk.conftest import make_booking

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _offline_page(chromium, live_server, user):  # type: ignore[no-untyped-def]
    """A page signed in as `user` that can reach the live server only; what it asked elsewhere
    and the policy violations it reported are collected."""
    client = Client()
    client.force_login(user)
    context = chromium.new_context(bypass_csp=False, locale="en-US")
    context.set_default_timeout(15_000)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    context.add_cookies(
        [{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )
    elsewhere: list[str] = []

    def only_the_site(route):  # type: ignore[no-untyped-def]
        if route.request.url.startswith(live_server.url):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    context.route("**/*", only_the_site)
    page = context.new_page()
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    return page, elsewhere, violations


def test_the_kiosk_swaps_the_servers_verdict_in_and_speaks_the_pages_language_offline(live_server, chromium):
    from playwright.sync_api import expect

    booking = make_booking(plate="12C-123.45")
    staff = factories.staff_user(Role.GATE_STAFF, gates=["HUU_NGHI"])
    page, elsewhere, violations = _offline_page(chromium, live_server, staff)
    scripts: list[str] = []
    page.on("request", lambda r: scripts.append(r.url) if r.resource_type == "script" else None)
    page.goto(f"{live_server.url}/kiosk/HUU_NGHI/?lang=zh-hans")
    assert any("/static/vendor/htmx/htmx.min.js" in url for url in scripts)
    assert any("/jsi18n/?lang=zh-hans" in url for url in scripts)

    # 1. a scan: the server's panel in the page's language, swapped in without a reload
    page.fill("#scan-input", booking.ticket)
    page.press("#scan-input", "Enter")
    expect(page.locator("#verdict")).to_have_class("verdict allow")
    expect(page.locator("#verdict-word")).to_have_text("放行")
    expect(page.locator("#verdict-plate-text")).to_have_text("12C-123.45")
    expect(page.locator("#scan-input")).to_be_focused()
    expect(page.locator("#scan-input")).to_have_value("")

    # 2. the server cannot be reached: the JavaScript catalog's words, in Chinese
    page.route("**/kiosk/HUU_NGHI/scan/**", lambda route: route.abort())
    page.fill("#scan-input", booking.ticket)
    page.press("#scan-input", "Enter")
    expect(page.locator("#verdict")).to_have_class("verdict error")
    expect(page.locator("#verdict-reason")).to_have_text("无法连接服务器。请重试。")

    assert elsewhere == [] and violations == []
    assert page.locator("style").count() == 0  # htmx injected no indicator styles


def test_the_portal_pages_with_live_parts_ask_nothing_outside_the_site(live_server, chromium):
    owner = factories.operator_user()
    draft = new_draft(owner)
    page, elsewhere, violations = _offline_page(chromium, live_server, owner)
    for path in (f"/portal/declarations/{draft.pk}/", "/portal/bookings/slots/", "/board/HUU_NGHI/"):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("load")
    # the page names its language in its own refreshes: the tab comes back, the badge asks
    page.goto(f"{live_server.url}/portal/notifications/?lang=vi")
    with page.expect_request("**/portal/notifications/badge/**") as asked:
        page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    assert asked.value.url.endswith("/portal/notifications/badge/?lang=vi")
    assert elsewhere == [] and violations == []
