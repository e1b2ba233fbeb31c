"""The gate, in a real browser on a 10-inch tablet: scan a ticket, admit, release, exit."""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator

import pytest

from cuakhau.accounts.roles import Role
from declarations.models import Declaration
from queueing.models import Booking
from tests import factories
from vehicles.models import Gate

from .conftest import make_booking

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_context(chromium) -> Iterator:  # type: ignore[no-untyped-def]
    # A 10-inch tablet in landscape.
    context = chromium.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
    context.set_default_timeout(15_000)
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def seeded_gates(db):  # type: ignore[no-untyped-def]
    """Transactional tests flush the seeded gates after them: put them back if an earlier one did."""
    seed = importlib.import_module("vehicles.migrations.0002_seed_gates")
    if not Gate.objects.filter(code="HUU_NGHI").exists():
        from django.apps import apps

        seed.seed(apps, None)


def test_gate_staff_admit_release_and_let_a_truck_exit_from_the_kiosk(
    browser_context, live_server, seeded_gates, settings
):
    settings.KIOSK_BOARD_REFRESH_SECONDS = 1
    staff = factories.staff_user(Role.GATE_STAFF, gates=["HUU_NGHI"], username="gatekeeper")
    booking = make_booking(plate="12C-123.45", declaration_state="under_review", fee=300_000)
    page = browser_context.new_page()

    # 1. log in and land on the kiosk, the input focused for the scanner
    page.goto(f"{live_server.url}/accounts/login/?next=/kiosk/HUU_NGHI/&lang=en")
    page.fill("#id_username", staff.username)
    page.fill("#id_password", "pass12345!")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/kiosk/HUU_NGHI/")
    assert page.evaluate("document.activeElement.id") == "scan-input"

    # 2. the scanner types the ticket's QR text and Enter: ALLOW, admit
    page.keyboard.type(booking.ticket)
    page.keyboard.press("Enter")
    page.wait_for_selector("#verdict.allow")
    assert page.inner_text("#verdict-word").strip().upper() == "ALLOW"
    assert "12C-123.45" in page.inner_text("#d-vehicle")
    assert booking.declaration.driver.full_name in page.inner_text("#d-driver")
    assert page.evaluate("document.activeElement.id") == "scan-input"
    action = page.locator("#action-button")
    assert action.is_visible() and action.inner_text().strip() == "Admit to the yard"
    url_before = page.url
    action.click()
    page.wait_for_selector("#verdict.done")
    assert page.url == url_before  # no reload
    assert page.evaluate("document.activeElement.id") == "scan-input"
    booking.refresh_from_db()
    assert booking.state == "in_yard"

    # 3. the public board shows the truck in the yard queue
    board = browser_context.new_page()
    board.goto(f"{live_server.url}/board/HUU_NGHI/")
    assert "12C-123.45" in board.inner_text("#board-queue")

    # 4. not cleared yet: CHECK and no button; then customs clears it
    page.keyboard.type("12C-123.45")
    page.keyboard.press("Enter")
    page.wait_for_selector("#verdict.check")
    assert not page.locator("#action-button").is_visible()
    Declaration.objects.filter(pk=booking.declaration_id).update(state="cleared")

    # 5. a misread plate: CHECK with the candidate; tapping it rescans exactly
    page.keyboard.type("12C-I23.45")
    page.keyboard.press("Enter")
    candidate = page.locator("#candidate-buttons button", has_text="12C-123.45")
    candidate.wait_for()
    assert "check" in page.get_attribute("#verdict", "class")
    assert not page.locator("#action-button").is_visible()
    candidate.click()

    # 6. the fee is unpaid: CHECK with the amount, not released; staff take it in cash
    page.wait_for_selector("#cash-form:not([hidden])")
    assert "check" in page.get_attribute("#verdict", "class")
    assert "300" in page.inner_text("#verdict-reason")
    assert not page.locator("#action-button").is_visible()
    page.fill("#cash-receipt", "BL-000123")
    page.click("#cash-button")
    page.wait_for_selector("#verdict.allow")
    assert booking.declaration.fee.payments.get().reference == "BL-000123"

    # 7. paid and cleared: release to the lane
    assert page.inner_text("#action-button").strip() == "Release to the lane"
    page.click("#action-button")
    page.wait_for_selector("#verdict.done")
    assert Booking.objects.get(pk=booking.pk).state == "called"

    # the board, left open, refreshes itself: the truck moves from the queue to the called list
    board.wait_for_function("document.getElementById('board-called').textContent.includes('12C-123.45')")
    assert "12C-123.45" not in board.inner_text("#board-queue")

    # 8. the lane scan: ALLOW, record exit
    page.keyboard.type(booking.ticket)
    page.keyboard.press("Enter")
    page.wait_for_selector("#verdict.allow")
    assert page.inner_text("#action-button").strip() == "Record exit"
    page.click("#action-button")
    page.wait_for_selector("#verdict.done")
    booking.refresh_from_db()
    assert booking.state == "departed"
    assert booking.declaration.state == "completed"

    # 9. the same truck again: DENY
    page.keyboard.type(booking.ticket)
    page.keyboard.press("Enter")
    page.wait_for_selector("#verdict.deny")
    if os.environ.get("KIOSK_SCREENSHOT"):  # to look at the tablet screen: KIOSK_SCREENSHOT=path.png
        page.screenshot(path=os.environ["KIOSK_SCREENSHOT"])
