"""What a scan makes of what was read: tickets a camera reads without the plate, denials that
repeat the read, candidates of the gate's own live bookings, one candidate per plate."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone, translation
from rest_framework.test import APIClient

from queueing.kiosk.services import kiosk_scan
from tests import factories

from .conftest import make_booking

pytestmark = pytest.mark.django_db

SCAN = "/api/v1/kiosk/scan/"


@pytest.fixture(autouse=True)
def _fresh_throttle():  # type: ignore[no-untyped-def]
    cache.clear()


# --- a ticket is bound to its truck: a camera must read the plate too ------------------------
def test_a_camera_that_reads_a_ticket_but_not_the_plate_gets_check_and_no_action(device_client):
    booking = make_booking(plate="12C-111.11")
    body = device_client.post(SCAN, {"gate": "HUU_NGHI", "ticket": booking.ticket}, format="json").json()
    assert (body["verdict"], body["reason_code"], body["action"]) == ("check", "plate_not_seen", None)
    assert body["vehicle"]["plate"] == "12C-111.11"  # shown so staff can compare
    assert "12C11111" in body["reason"]


def test_a_camera_that_sends_the_ticket_as_its_read_gets_check_too(device_client):
    booking = make_booking(plate="12C-111.11")
    body = device_client.post(SCAN, {"gate": "HUU_NGHI", "read": booking.ticket}, format="json").json()
    assert (body["verdict"], body["reason_code"], body["action"]) == ("check", "plate_not_seen", None)


def test_a_camera_that_reads_the_ticket_and_the_booked_plate_is_allowed(device_client):
    booking = make_booking(plate="12C-111.11")
    body = device_client.post(
        SCAN, {"gate": "HUU_NGHI", "ticket": booking.ticket, "plate": "12C 111.11"}, format="json"
    ).json()
    assert (body["verdict"], body["reason_code"], body["action"]) == ("allow", "admit", "admit")


def test_a_camera_ticket_without_a_plate_is_still_denied_when_the_booking_is_over(device_client):
    booking = make_booking(plate="12C-111.11", state="cancelled")
    body = device_client.post(SCAN, {"gate": "HUU_NGHI", "ticket": booking.ticket}, format="json").json()
    assert (body["verdict"], body["reason_code"]) == ("deny", "booking_cancelled")


def test_staff_scanning_a_ticket_compare_the_plate_themselves_and_may_admit(gate, gate_staff):
    booking = make_booking(plate="12C-111.11")
    result = kiosk_scan(gate=gate, raw=booking.ticket, staff=gate_staff)
    assert (result.verdict.verdict, result.verdict.action) == ("allow", "admit")


def test_an_action_on_a_plate_not_seen_scan_is_refused(device_client):
    booking = make_booking(plate="12C-111.11")
    scan = device_client.post(SCAN, {"gate": "HUU_NGHI", "ticket": booking.ticket}, format="json").json()
    response = device_client.post(
        "/api/v1/kiosk/actions/", {"event": scan["event"], "action": "admit"}, format="json"
    )
    assert response.status_code == 409
    booking.refresh_from_db()
    assert booking.state == "confirmed"


def test_the_kiosk_page_has_a_large_booked_plate_for_staff_to_compare(client, gate_staff):
    booking = make_booking(plate="12C-111.11")
    client.force_login(gate_staff)
    assert 'id="verdict-plate-text"' not in client.get("/kiosk/HUU_NGHI/").content.decode()  # no scan yet
    html = client.post("/kiosk/HUU_NGHI/scan/", {"read": booking.ticket}).content.decode()
    assert '<span id="verdict-plate-text" class="verdict-plate-text" lang="und">12C-111.11</span>' in html


# --- a denial says what was read -------------------------------------------------------------
@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "No booking today for plate 29LD01234. Read: “29LD-012.34”."),
        ("vi", "Hôm nay không có đặt chỗ nào cho biển số 29LD01234. Đã đọc: “29LD-012.34”."),
        ("zh-hans", "今天没有车牌 29LD01234 的预约。读取内容：“29LD-012.34”。"),
    ],
)
def test_no_booking_repeats_the_plate_and_the_read_in_the_staff_language(gate, language, expected):
    with translation.override(language):
        result = kiosk_scan(gate=gate, raw="29LD-012.34")
        assert result.verdict.reason == expected
    assert result.event.reason == expected


def test_a_garbage_read_is_repeated_as_it_was_read(gate):
    with translation.override("en"):
        result = kiosk_scan(gate=gate, raw="hello world")
    assert (result.verdict.verdict, result.verdict.reason_code) == ("deny", "no_booking")
    assert result.verdict.reason == "No booking today for plate HELLOWORLD. Read: “hello world”."


def test_an_unknown_ticket_repeats_the_ticket_read(gate):
    with translation.override("en"):
        result = kiosk_scan(gate=gate, raw="CK1-ZZZZZZZZZZZZZZZZ")
    assert result.verdict.reason == "Unknown ticket: no booking has this code. Read: “CK1-ZZZZZZZZZZZZZZZZ”."


def test_a_very_long_read_is_shortened_in_the_message(gate):
    with translation.override("en"):
        result = kiosk_scan(gate=gate, raw="X" * 150)
    assert "X" * 59 + "…" in result.verdict.reason
    assert "X" * 60 not in result.verdict.reason.split("Read:")[1]


# --- candidates ------------------------------------------------------------------------------
def test_candidates_are_the_gates_own_live_bookings(gate):
    make_booking(plate="12C-123.45", gate=factories.gate("TAN_THANH"))
    result = kiosk_scan(gate=gate, raw="12C-123.4S")
    assert result.candidates == []
    assert result.verdict.reason_code == "no_booking"


def test_a_truck_with_two_live_bookings_is_one_candidate(gate):
    make_booking(plate="12C-123.45")
    make_booking(plate="12C-123.45", slot_start=timezone.now() + dt.timedelta(days=1))
    make_booking(plate="12C-123.46")
    result = kiosk_scan(gate=gate, raw="12C-123.4S")
    assert result.candidates == ["12C-123.45", "12C-123.46"]


def test_a_departed_booking_is_not_a_candidate(gate):
    make_booking(plate="12C-123.45", state="departed", declaration_state="completed")
    result = kiosk_scan(gate=gate, raw="12C-123.4S")
    assert result.candidates == []


def test_a_read_that_is_not_a_ticket_is_not_looked_up_as_one(gate):
    booking = make_booking(plate="12C-123.45")
    # An odd ticket text of an old booking (not our prefix) read as a plate finds nothing by ticket.
    result = kiosk_scan(gate=gate, raw=booking.ticket.removeprefix("CK1-"))
    assert result.booking is None


def test_api_staff_client_gets_the_read_repeated(gate_staff):
    client = APIClient()
    client.force_authenticate(gate_staff)
    response = client.post(
        SCAN, {"gate": "HUU_NGHI", "plate": "hello world"}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    assert "hello world" in response.json()["reason"]
