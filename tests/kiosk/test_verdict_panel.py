"""The kiosk page's verdict panel, rendered by the server: scan, action and cash forms answer with
the panel alone (kiosk/_verdict.html), at the gates the page is open to, in the page's language;
the yard board's lists come from one template for the page and its refresh."""

from __future__ import annotations

import re

import pytest

from cuakhau.accounts.roles import Role
from queueing.models import Booking
from tests import factories
from tests.support.markup import element

from .conftest import make_booking

pytestmark = pytest.mark.django_db

SCAN = "/kiosk/HUU_NGHI/scan/"


def _no_token(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken" value=""', html)


def test_the_page_shows_the_ready_panel_from_the_same_template(client, gate_staff):
    client.force_login(gate_staff)
    page = client.get("/kiosk/HUU_NGHI/?lang=en").content.decode()
    verdict = element(page, "verdict")
    assert 'class="verdict idle"' in verdict and ">Ready</div>" in verdict
    assert element(page, "kiosk-result").count('id="verdict"') == 1
    assert 'hx-post="/kiosk/HUU_NGHI/scan/"' in element(page, "scan-form")


@pytest.mark.parametrize(
    ("language", "allow", "admit"),
    [("en", "Allow", "Admit to the yard"), ("vi", "Cho qua", None), ("zh-hans", "放行", None)],
)
def test_a_scan_answers_the_verdict_panel_in_the_pages_language(client, gate_staff, language, allow, admit):
    booking = make_booking(plate="12C-111.11")
    client.force_login(gate_staff)
    response = client.post(f"{SCAN}?lang={language}", {"read": booking.ticket})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html  # the panel alone
    assert 'class="verdict allow"' in element(html, "verdict")
    assert f">{allow}</div>" in element(html, "verdict-word")
    assert ">12C-111.11</span>" in element(html, "verdict-plate-text")
    button = element(html, "action-button")
    assert 'data-action="admit"' in button
    if admit:
        assert f">{admit}</button>" in button
    # the form posts the scan's own event back
    event = booking.gate_events.get()
    assert f'name="event" value="{event.pk}"' in html
    assert ">12C-111.11 · " in element(html, "d-vehicle")


def test_the_booking_window_is_written_in_the_gates_time_zone(client, gate_staff):
    import datetime as dt

    start = dt.datetime(2030, 3, 10, 2, 0, tzinfo=dt.UTC)  # 09:00 in Hanoi, 10:00 in Beijing
    booking = make_booking(plate="12C-111.11", slot_start=start)
    client.force_login(gate_staff)
    html = client.post(SCAN, {"read": booking.ticket}).content.decode()
    assert ">2030-03-10 09:00–10:00</dd>" in element(html, "d-window")
    booking.gate.timezone = "Asia/Shanghai"
    booking.gate.save(update_fields=["timezone"])
    html = client.post(SCAN, {"read": booking.ticket}).content.decode()
    assert ">2030-03-10 10:00–11:00</dd>" in element(html, "d-window")


def test_an_empty_read_answers_an_error_panel_with_the_reason(client, gate_staff):
    client.force_login(gate_staff)
    response = client.post(f"{SCAN}?lang=en", {"read": "  "})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'class="verdict error"' in html and "Scan a ticket or enter a plate." in html


def test_the_action_form_admits_and_answers_the_done_panel(client, gate_staff):
    booking = make_booking(plate="12C-111.11")
    client.force_login(gate_staff)
    client.post(SCAN, {"read": booking.ticket})
    event = booking.gate_events.get()
    response = client.post("/kiosk/HUU_NGHI/action/?lang=en", {"event": event.pk, "action": "admit"})
    assert response.status_code == 200
    assert Booking.objects.get(pk=booking.pk).state == "in_yard"
    html = response.content.decode()
    assert 'class="verdict done"' in html
    assert "Done. The booking is now: In the yard." in html
    assert 'id="action-button"' not in html
    # the same scan cannot act twice: a refusal, in the panel
    again = client.post("/kiosk/HUU_NGHI/action/?lang=en", {"event": event.pk, "action": "admit"})
    assert again.status_code == 409 and 'class="verdict error"' in again.content.decode()


def test_cash_taken_at_the_kiosk_is_recorded_and_the_truck_scanned_again(client, gate_staff):
    booking = make_booking(plate="12C-111.11", state="in_yard", fee=300_000)
    client.force_login(gate_staff)
    html = client.post(f"{SCAN}?lang=en", {"read": "12C-111.11"}).content.decode()
    cash = element(html, "cash-form")
    assert ">Record cash payment: 300.000 VND</button>" in cash
    assert f'name="declaration" value="{booking.declaration_id}"' in cash
    response = client.post(
        "/kiosk/HUU_NGHI/cash/?lang=en",
        {"declaration": booking.declaration_id, "amount": 300_000, "receipt_number": "BL-1"},
    )
    assert response.status_code == 200
    assert booking.declaration.fee.payments.get().reference == "BL-1"
    assert 'id="cash-form"' not in response.content.decode()  # paid: the rescan asks no more


def test_the_panels_are_for_gate_staff_of_that_gate_like_the_page(client, owner):
    booking = make_booking(plate="12C-111.11")
    anonymous = client.post(SCAN, {"read": booking.ticket})
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")
    client.force_login(factories.staff_user(Role.GATE_STAFF, gates=["TAN_THANH"]))
    for url in (SCAN, "/kiosk/HUU_NGHI/action/", "/kiosk/HUU_NGHI/cash/"):
        assert client.post(url, {"read": booking.ticket}).status_code == 403, url
    client.force_login(owner)
    assert client.post(SCAN, {"read": booking.ticket}).status_code == 403
    assert not booking.gate_events.exists()


def test_the_panels_take_posts_only(client, gate_staff):
    client.force_login(gate_staff)
    for url in (SCAN, "/kiosk/HUU_NGHI/action/", "/kiosk/HUU_NGHI/cash/"):
        assert client.get(url).status_code == 405, url


def test_another_gates_declaration_cannot_be_paid_from_this_kiosk(client):
    booking = make_booking(plate="12C-111.11", state="in_yard", fee=300_000, gate=factories.gate("TAN_THANH"))
    client.force_login(factories.staff_user(Role.GATE_STAFF, gates=["HUU_NGHI"]))
    response = client.post(
        "/kiosk/HUU_NGHI/cash/",
        {"declaration": booking.declaration_id, "amount": 300_000, "receipt_number": "BL-1"},
    )
    assert response.status_code in (403, 404)
    assert not booking.declaration.fee.payments.exists()


# --- the board -------------------------------------------------------------------------------
@pytest.mark.parametrize(("language", "called"), [("en", "Called to the lane"), ("vi", "Đã gọi vào làn")])
def test_the_boards_refresh_is_the_pages_lists(client, language, called):
    make_booking(plate="12C-100.05", state="called")
    make_booking(plate="12C-100.01", state="in_yard")
    page = client.get(f"/board/HUU_NGHI/?lang={language}").content.decode()
    part = client.get(f"/board/HUU_NGHI/part/?lang={language}")
    assert part.status_code == 200 and "<html" not in part.content.decode()
    board = element(page, "board")
    assert board and board == element(part.content.decode(), "board")
    assert f"<h2>{called}</h2>" in board and "12C-100.05" in board and "12C-100.01" in board
    # the clock comes with it, out of band, where the page's header has it
    assert 'id="board-updated" hx-swap-oob="true"' in part.content.decode()
    assert client.get("/board/NOWHERE/part/").status_code == 404
