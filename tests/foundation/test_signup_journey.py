"""The operator's first visit, in a real browser: sign up, fix a mistake, add a truck."""

from __future__ import annotations

import pytest

from vehicles.models import Company, Vehicle

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_operator_signs_up_fixes_the_tax_code_and_registers_a_truck(page, live_server):
    page.goto(f"{live_server.url}/accounts/signup/")
    assert page.locator("html").get_attribute("lang") == "vi"  # Vietnamese by default

    page.fill("#id_company_name", "Công ty TNHH Vận tải Chi Lăng")
    page.fill("#id_tax_code", "49001")  # too short
    page.fill("#id_address", "Thị trấn Chi Lăng, Lạng Sơn")
    page.fill("#id_phone", "0205 3820 111")
    page.fill("#id_username", "chilang")
    page.fill("#id_email", "dieuhanh@chilang.vn")
    page.fill("#id_password1", "Chi-Lang-2026!")
    page.fill("#id_password2", "Chi-Lang-2026!")
    page.click("button[type=submit]")

    error = page.locator("#error-tax_code")
    error.wait_for()
    assert "10" in error.inner_text()
    assert not Company.objects.exists()

    page.fill("#id_tax_code", "4900112233")
    # Password fields are not sent back after an error (they never are): type them again.
    page.fill("#id_password1", "Chi-Lang-2026!")
    page.fill("#id_password2", "Chi-Lang-2026!")
    page.click("button[type=submit]")

    page.wait_for_url(f"{live_server.url}/portal/")
    assert "Công ty TNHH Vận tải Chi Lăng" in page.locator("#company-summary").inner_text()

    page.goto(f"{live_server.url}/portal/vehicles/")
    page.click("#add-vehicle")
    page.fill("#id_plate", "12c 123 45")
    page.fill("#id_max_gross_kg", "32000")
    page.click("#vehicle-form button[type=submit]")

    page.wait_for_url(f"{live_server.url}/portal/vehicles/")
    listing = page.locator("#vehicle-list").inner_text()
    assert "12C-123.45" in listing
    assert "32.000 kg" in listing  # Vietnamese number grouping
    vehicle = Vehicle.objects.get()
    assert (vehicle.plate_canonical, vehicle.company.tax_code) == ("12C12345", "4900112233")


def test_language_chosen_in_the_switcher_stays_after_logging_in(page, live_server):
    from tests import factories

    user = factories.operator_user()
    page.goto(f"{live_server.url}/accounts/login/")
    page.select_option("select[name=language]", "en")
    page.wait_for_load_state()
    page.fill("#id_username", user.username)
    page.fill("#id_password", "pass12345!")
    page.click("form:not(.lang) button[type=submit]")

    page.wait_for_url(f"{live_server.url}/portal/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Vehicles" in page.locator("nav.tiles").inner_text()
