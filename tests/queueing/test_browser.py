"""In Chromium: the slot picker's places left change by themselves when someone else books, and
the ticket page shows the QR code and prints on A6."""

from __future__ import annotations

import pytest
from django.utils import timezone

from queueing import services

from .conftest import make_declaration, make_slot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def browser(chromium):  # type: ignore[no-untyped-def]
    return chromium


def test_places_left_update_without_reload_and_the_ticket_prints(
    browser, live_server, client, owner, company, gate
):
    slot = make_slot(gate, capacity=3)
    mine = make_declaration(company)
    client.force_login(owner)
    context = browser.new_context(locale="en-US")
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    day = timezone.localtime(slot.start).date().isoformat()
    page.goto(
        f"{live_server.url}/portal/bookings/slots/?gate=HUU_NGHI&direction=export&date={day}&declaration={mine.pk}"
    )
    cell = page.locator(f'tr[data-slot="{slot.pk}"] .available')
    assert cell.inner_text().strip() == "3"
    # Someone else books meanwhile; the page learns it by itself.
    services.booking_create(declaration=make_declaration(company), slot=slot, actor=owner)
    page.wait_for_function(
        f"document.querySelector('tr[data-slot=\"{slot.pk}\"] .available').textContent.trim() === '2'"
    )
    page.locator(f'tr[data-slot="{slot.pk}"] .book-form button').click()
    page.wait_for_url("**/portal/bookings/*/")
    ticket = page.locator(".ticket-code").inner_text().strip()
    assert ticket.startswith("CK1-")
    assert page.locator(".ticket-qr svg").count() == 1
    page.emulate_media(media="print")
    assert not page.locator(".ticket-actions").is_visible()
    context.close()
