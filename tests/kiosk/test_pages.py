"""The kiosk page, the public yard board, the admin of devices and gate events, create_device."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from cuakhau.accounts.roles import Role
from queueing.kiosk.models import Device, GateEvent
from queueing.kiosk.services import device_for_key, kiosk_scan
from tests import factories

from .conftest import make_booking

pytestmark = pytest.mark.django_db


# --- the kiosk page --------------------------------------------------------------------------
def test_gate_staff_get_the_kiosk_of_their_gate(client, gate_staff):
    client.force_login(gate_staff)
    response = client.get("/kiosk/HUU_NGHI/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="scan-input"' in html and "autofocus" in html
    assert 'data-gate="HUU_NGHI"' in html
    assert "js/kiosk.js" in html and "csrfmiddlewaretoken" in html


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get("/kiosk/HUU_NGHI/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_gate_staff_of_another_gate_cannot_open_this_kiosk(client):
    client.force_login(factories.staff_user(Role.GATE_STAFF, gates=["TAN_THANH"]))
    assert client.get("/kiosk/HUU_NGHI/").status_code == 403
    assert client.get("/kiosk/TAN_THANH/").status_code == 200


@pytest.mark.parametrize("who", ["owner", "customs_officer", "stranger"])
def test_people_who_are_not_gate_staff_cannot_open_the_kiosk(client, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get("/kiosk/HUU_NGHI/").status_code == 403


def test_an_unknown_gate_has_no_kiosk(client, gate_staff):
    client.force_login(gate_staff)
    assert client.get("/kiosk/NOWHERE/").status_code == 404


# --- the board -------------------------------------------------------------------------------
def test_the_board_is_public_and_shows_called_plates_and_the_yard_queue_in_order(client):
    import datetime as dt

    from django.utils import timezone

    now = timezone.now()
    early = make_booking(plate="12C-100.01", state="in_yard", slot_start=now - dt.timedelta(hours=2))
    fruit = make_booking(plate="12C-100.02", state="in_yard", perishable=True, slot_start=now)
    late = make_booking(plate="12C-100.03", state="in_yard", slot_start=now - dt.timedelta(hours=1))
    make_booking(plate="12C-100.04", state="called", called_at=now - dt.timedelta(minutes=5))
    make_booking(plate="12C-100.05", state="called", called_at=now)
    make_booking(plate="12C-100.06", state="departed", declaration_state="completed")
    make_booking(plate="12C-100.07", state="confirmed")
    make_booking(plate="12C-100.08", state="in_yard", gate=factories.gate("TAN_THANH"))

    data = client.get("/board/HUU_NGHI/data.json").json()
    assert [row["plate"] for row in data["called"]] == ["12C-100.05", "12C-100.04"]
    assert [row["plate"] for row in data["queue"]] == [
        fruit.vehicle.plate,
        early.vehicle.plate,
        late.vehicle.plate,
    ]
    assert [row["position"] for row in data["queue"]] == [1, 2, 3]

    html = client.get("/board/HUU_NGHI/").content.decode()
    assert html.index("12C-100.05") < html.index("12C-100.04")
    assert html.index("12C-100.02") < html.index("12C-100.01") < html.index("12C-100.03")
    assert "12C-100.06" not in html and "12C-100.07" not in html and "12C-100.08" not in html
    assert 'hx-get="/board/HUU_NGHI/part/" hx-trigger="every 10s"' in html and 'http-equiv="refresh"' in html


def test_the_board_shows_no_personal_data(client):
    booking = make_booking(plate="12C-100.01", state="in_yard")
    declaration = booking.declaration
    for url in ["/board/HUU_NGHI/", "/board/HUU_NGHI/data.json"]:
        body = client.get(url).content.decode()
        assert "12C-100.01" in body
        for secret in [
            declaration.driver.full_name,
            declaration.driver.id_number,
            declaration.driver.phone,
            declaration.company.name,
            booking.ticket,
        ]:
            assert secret not in body, (url, secret)


def test_an_unknown_gate_has_no_board(client):
    assert client.get("/board/NOWHERE/").status_code == 404


# --- admin -----------------------------------------------------------------------------------
@pytest.fixture
def manager_client(client):  # type: ignore[no-untyped-def]
    client.force_login(factories.staff_user(Role.GATE_MANAGER))
    return client


def test_a_manager_registers_a_device_and_sees_its_key_once(manager_client, gate):
    response = manager_client.post(
        "/admin/kiosk/device/add/",
        {"gate": gate.pk, "lane": "3", "name": "Lane camera", "direction": "", "is_active": "on"},
        follow=True,
    )
    assert response.status_code == 200
    device = Device.objects.get(lane="3")
    messages = [str(m) for m in response.context["messages"]]
    key = next(m for m in messages if device.key_prefix in m).rsplit(" ", 1)[-1]
    assert device_for_key(key) == device
    # not shown again
    assert key not in manager_client.get(f"/admin/kiosk/device/{device.pk}/change/").content.decode()


def test_gate_events_are_searchable_by_plate_and_filterable_by_verdict(manager_client, gate):
    make_booking(plate="12C-123.45")
    kiosk_scan(gate=gate, raw="12C-123.45")
    kiosk_scan(gate=gate, raw="29LD-012.34")
    found = manager_client.get("/admin/kiosk/gateevent/?q=12C12345").content.decode()
    assert "12C12345" in found and "29LD01234" not in found
    denied = manager_client.get("/admin/kiosk/gateevent/?verdict__exact=deny").content.decode()
    assert "29LD01234" in denied and "12C12345" not in denied


def test_staff_see_only_the_gate_events_of_their_gates_in_the_admin(client, gate):
    kiosk_scan(gate=gate, raw="12C-123.45")
    kiosk_scan(gate=factories.gate("TAN_THANH"), raw="29LD-012.34")
    client.force_login(factories.staff_user(Role.GATE_STAFF, gates=["TAN_THANH"]))
    listing = client.get("/admin/kiosk/gateevent/").content.decode()
    assert "29LD01234" in listing and "12C12345" not in listing
    other = GateEvent.objects.get(gate=gate)
    assert client.get(f"/admin/kiosk/gateevent/{other.pk}/change/").status_code == 302  # not found here


def test_a_manager_registers_devices_only_at_their_gates(client):
    client.force_login(factories.staff_user(Role.GATE_MANAGER, gates=["TAN_THANH"]))
    response = client.post(
        "/admin/kiosk/device/add/", {"gate": factories.gate("HUU_NGHI").pk, "lane": "1", "is_active": "on"}
    )
    assert response.status_code == 200  # the form refuses the choice
    assert not Device.objects.exists()


def test_gate_events_cannot_be_added_changed_or_deleted_in_the_admin(gate):
    from django.contrib.auth.models import User

    superuser = User.objects.create_superuser("root", "root@example.vn", "pass12345!")
    from django.test import Client

    client = Client()
    client.force_login(superuser)
    event = kiosk_scan(gate=gate, raw="12C-123.45").event
    assert client.get("/admin/kiosk/gateevent/add/").status_code == 403
    assert client.post(f"/admin/kiosk/gateevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    client.post(f"/admin/kiosk/gateevent/{event.pk}/change/", {"verdict": "allow"})
    assert GateEvent.objects.get(pk=event.pk).verdict == "deny"


# --- create_device ---------------------------------------------------------------------------
def test_create_device_prints_the_key_as_the_last_line(gate):
    out = io.StringIO()
    call_command("create_device", "--gate", "HUU_NGHI", "--lane", "1", stdout=out)
    key = out.getvalue().strip().splitlines()[-1]
    device = device_for_key(key)
    assert device is not None and (device.gate, device.lane) == (gate, "1")


def test_create_device_refuses_an_unknown_gate(db):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="HUU_NGHI"):
        call_command("create_device", "--gate", "NOWHERE", "--lane", "1", stdout=io.StringIO())
