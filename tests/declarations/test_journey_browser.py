"""In Chromium: an operator declares and submits; three officers claim and approve in the admin;
the operator's open detail page turns "cleared" by itself (polling, no reload)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from declarations.models import Declaration
from tests import factories

from .conftest import yellow_always

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]

PASSWORD = "pass12345!"


@pytest.fixture
def browser(chromium):  # type: ignore[no-untyped-def]
    return chromium


def log_in(context, base: str, path: str, username: str):  # type: ignore[no-untyped-def]
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base}{path}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form [type=submit]").last.click()
    page.wait_for_load_state()
    return page


def test_operator_declares_three_officers_approve_operator_sees_cleared(
    browser, live_server, owner, company, officers
):
    from playwright.sync_api import expect

    yellow_always()  # customs checks by hand, so all three officers act
    vehicle = factories.VehicleFactory(company=company, plate="12C-456.78")
    driver = factories.DriverFactory(company=company, full_name="Hoàng Văn Thái")
    base = live_server.url

    operator = browser.new_context(locale="en-US")
    page = log_in(operator, base, "/accounts/login/?next=/portal/declarations/new/", owner.username)
    page.goto(f"{base}/portal/declarations/new/")
    page.select_option("select[name=vehicle]", str(vehicle.pk))
    page.select_option("select[name=driver]", str(driver.pk))
    page.select_option("select[name=gate]", "HUU_NGHI")
    page.select_option("select[name=direction]", "export")
    page.fill("input[name=planned_date]", (timezone.localdate() + dt.timedelta(days=1)).isoformat())
    page.fill("input[name=cargo-0-description]", "Thanh long (dragon fruit)")
    page.fill("input[name=cargo-0-hs_code]", "08109050")
    page.fill("input[name=cargo-0-quantity]", "12000")
    page.fill("input[name=cargo-0-gross_kg]", "13000")
    page.check("input[name=cargo-0-perishable]")
    page.fill("input[name=containers-0-number]", "CSQU3054383")
    page.click("#save-declaration")
    page.wait_for_url(re.compile(r"/portal/declarations/\d+/$"))
    page.click("#submit-declaration")
    expect(page.locator("#declaration-state")).to_have_class(re.compile(r"\bsubmitted\b"))
    declaration = Declaration.objects.get(company=company)
    assert declaration.required_agencies == ["customs", "border_guard", "quarantine"]

    for agency in ("customs", "border_guard", "quarantine"):
        context = browser.new_context(locale="en-US")
        admin = log_in(
            context, base, "/admin/login/?next=/admin/declarations/agencyreview/", officers[agency].username
        )
        admin.goto(f"{base}/admin/declarations/agencyreview/")
        admin.get_by_role("link", name=declaration.number).first.click()
        admin.click("button[value=claim]")
        admin.fill("#note-approve", f"{agency}: checked")
        admin.click("button[value=approve]")
        expect(admin.locator("button[value=approve]")).to_have_count(0)
        expect(admin.locator("ul.messagelist")).to_contain_text(": approved.")
        context.close()

    # The operator's page was never reloaded: it follows the reviews by itself.
    expect(page.locator("#declaration-state")).to_have_class(re.compile(r"\bcleared\b"), timeout=20_000)
    expect(page.locator("#reviews")).to_contain_text("quarantine: checked")
    declaration.refresh_from_db()
    assert declaration.state == "cleared"
    operator.close()
