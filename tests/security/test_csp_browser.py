"""The pages' own scripts run under the Content-Security-Policy: no violation reported by a real
Chromium (without Playwright's bypass), and the behaviours moved out of inline handlers work."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.test import Client

from cuakhau.accounts.roles import Role
from tests import factories
from tests.declarations.conftest import new_draft

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _page(chromium, live_server, user):  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    context = chromium.new_context(bypass_csp=False)
    context.add_cookies(
        [
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    return page, violations


def test_portal_kiosk_board_and_admin_pages_run_without_a_policy_violation(live_server, chromium):
    owner = factories.operator_user()
    draft = new_draft(owner)
    page, violations = _page(chromium, live_server, owner)
    for path in (
        "/portal/",
        f"/portal/declarations/{draft.pk}/",
        "/portal/declarations/new/",
        "/board/HUU_NGHI/",
    ):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("load")
    staff_page, staff_violations = _page(chromium, live_server, factories.staff_user(Role.GATE_STAFF))
    staff_page.goto(f"{live_server.url}/kiosk/HUU_NGHI/")
    staff_page.wait_for_load_state("load")
    manager_page, manager_violations = _page(chromium, live_server, factories.staff_user(Role.GATE_MANAGER))
    for path in ("/admin/", "/admin/declarations/routingrule/add/", "/dashboard/"):
        manager_page.goto(f"{live_server.url}{path}")
        manager_page.wait_for_load_state("load")

    assert violations + staff_violations + manager_violations == []


def test_the_language_switcher_submits_without_an_inline_handler(live_server, chromium):
    page, violations = _page(chromium, live_server, factories.operator_user())
    page.goto(f"{live_server.url}/portal/")

    with page.expect_navigation():
        page.select_option("select[name=language]", "en")

    assert page.locator("html").get_attribute("lang") == "en"
    assert violations == []
