"""POST /api/v1/kiosk/scan/ and /api/v1/kiosk/actions/: devices, gate staff, and everyone else."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from cuakhau.accounts.roles import Role
from queueing.kiosk.models import Device, GateEvent
from queueing.kiosk.services import device_create, device_rotate_key
from tests import factories

from .conftest import make_booking

pytestmark = pytest.mark.django_db

SCAN = "/api/v1/kiosk/scan/"
ACTIONS = "/api/v1/kiosk/actions/"


@pytest.fixture(autouse=True)
def _fresh_throttle():  # type: ignore[no-untyped-def]
    cache.clear()


def staff_client(user) -> APIClient:  # type: ignore[no-untyped-def]
    client = APIClient()
    client.force_authenticate(user)
    return client


# --- devices ---------------------------------------------------------------------------------
def test_a_camera_scans_a_plate_with_its_key(device_client, device):
    booking = make_booking(plate="12C-123.45")
    response = device_client.post(SCAN, {"gate": "HUU_NGHI", "plate": "12C-123.45"}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["verdict"], body["action"], body["candidates"]) == ("allow", "admit", [])
    assert body["booking"]["id"] == booking.pk and body["booking"]["ticket"] == booking.ticket
    assert body["vehicle"]["plate"] == "12C-123.45"
    assert body["declaration"]["id"] == booking.declaration_id
    assert body["declaration"]["state"] == "cleared" and body["declaration"]["channel"] == "green"
    assert body["driver"]["full_name"] == booking.declaration.driver.full_name
    assert body["reason"]
    event = GateEvent.objects.get(pk=body["event"])
    assert (event.device, event.lane, event.booking) == (device[0], "1", booking)


def test_the_camera_then_performs_the_allowed_action(device_client, device):
    booking = make_booking(plate="12C-123.45")
    scan = device_client.post(SCAN, {"gate": "HUU_NGHI", "plate": "12C-123.45"}, format="json").json()
    response = device_client.post(ACTIONS, {"event": scan["event"], "action": "admit"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "in_yard"
    assert response.json()["booking"]["queue_position"] == 1
    booking.refresh_from_db()
    assert booking.state == "in_yard"
    from cuakhau.transitions.services import history

    assert history(booking).last().actor_label == device[0].label


def test_a_key_works_only_at_its_own_gate(device_client):
    make_booking(gate=factories.gate("TAN_THANH"), plate="12C-123.45")
    response = device_client.post(SCAN, {"gate": "TAN_THANH", "plate": "12C-123.45"}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "wrong_gate"
    assert not GateEvent.objects.exists()


def test_a_key_cannot_act_on_another_gates_scan(device_client, gate_staff):
    make_booking(gate=factories.gate("TAN_THANH"), plate="12C-123.45")
    scan = (
        staff_client(gate_staff)
        .post(SCAN, {"gate": "TAN_THANH", "plate": "12C-123.45"}, format="json")
        .json()
    )
    response = device_client.post(ACTIONS, {"event": scan["event"], "action": "admit"}, format="json")
    assert response.status_code == 403


def test_no_key_is_401():
    response = APIClient().post(SCAN, {"gate": "HUU_NGHI", "plate": "12C-123.45"}, format="json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Api-Key"


@pytest.mark.parametrize("header", ["Api-Key nonsense", "Api-Key abcd1234.wrong-secret", "Api-Key "])
def test_a_bad_key_is_401(device, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.post(SCAN, {"gate": "HUU_NGHI", "plate": "12C-123.45"}, format="json")
    assert response.status_code == 401


def test_a_key_with_the_right_prefix_and_a_wrong_secret_is_401(device):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {device[0].key_prefix}.{'x' * 54}")
    assert client.post(SCAN, {"gate": "HUU_NGHI", "plate": "12C-123.45"}, format="json").status_code == 401


def test_a_deactivated_device_is_401(device_client, device):
    Device.objects.filter(pk=device[0].pk).update(is_active=False)
    response = device_client.post(SCAN, {"gate": "HUU_NGHI", "plate": "12C-123.45"}, format="json")
    assert response.status_code == 401


def test_a_device_deactivated_in_the_admin_is_refused_at_once(device_client, device):
    assert device_client.post(SCAN, {"gate": "HUU_NGHI", "plate": "x"}, format="json").status_code == 200
    obj = device[0]
    obj.is_active = False
    obj.save()  # what the admin's change form does
    assert device_client.post(SCAN, {"gate": "HUU_NGHI", "plate": "x"}, format="json").status_code == 401


def test_a_rotated_key_is_refused_at_once(device_client, device):
    assert device_client.post(SCAN, {"gate": "HUU_NGHI", "plate": "x"}, format="json").status_code == 200
    new_key = device_rotate_key(device=device[0])
    assert device_client.post(SCAN, {"gate": "HUU_NGHI", "plate": "x"}, format="json").status_code == 401
    device_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {new_key}")
    assert device_client.post(SCAN, {"gate": "HUU_NGHI", "plate": "x"}, format="json").status_code == 200


@pytest.mark.parametrize("keep", [5, 0])
def test_a_device_deactivated_by_another_process_is_refused_within_the_seconds_it_is_kept(
    device_client, device, monkeypatch, settings, keep
):
    from queueing.kiosk.services import devices

    settings.KIOSK_DEVICE_CACHE_SECONDS = keep
    clock = [1000.0]
    monkeypatch.setattr(devices, "_clock", lambda: clock[0])

    def status() -> int:
        return device_client.post(SCAN, {"gate": "HUU_NGHI", "plate": "x"}, format="json").status_code

    assert status() == 200
    # Another process's change (or SQL): this process gets no signal, its copy is not forgotten.
    Device.objects.filter(pk=device[0].pk).update(is_active=False)
    clock[0] += keep - 0.5
    assert status() == (200 if keep else 401)  # kept for at most KIOSK_DEVICE_CACHE_SECONDS
    clock[0] += 0.5
    assert status() == 401


def test_the_key_is_stored_only_as_a_hash(device):
    obj, key = device
    obj.refresh_from_db()
    assert key not in (obj.key_hash, obj.key_prefix)
    assert len(key) > 50 and key.startswith(obj.key_prefix + ".")


@pytest.mark.parametrize(
    ("state", "action", "queries"), [("confirmed", "admit", 2), ("in_yard", "release", 3)]
)
def test_a_scan_through_the_api_costs_two_or_three_queries(
    device_client, device, django_assert_num_queries, state, action, queries
):
    # The booking, (for a truck in the yard) its fee and its place in the queue in one, the event.
    make_booking(plate="12C-123.45", state=state, fee=100_000, fee_state="paid")
    device_client.post(SCAN, {"gate": "HUU_NGHI", "plate": "nothing"}, format="json")  # last_seen is fresh
    with django_assert_num_queries(queries):
        response = device_client.post(SCAN, {"gate": "HUU_NGHI", "plate": "12C-123.45"}, format="json")
    assert (response.json()["verdict"], response.json()["action"]) == ("allow", action)
    assert response.json()["booking"]["queue_position"] == (1 if state == "in_yard" else None)


def test_the_device_is_seen(device_client, device):
    device_client.post(SCAN, {"gate": "HUU_NGHI", "plate": "12C-123.45"}, format="json")
    device[0].refresh_from_db()
    assert device[0].last_seen is not None


def test_scans_are_throttled(device_client, monkeypatch):
    from rest_framework.throttling import ScopedRateThrottle

    # THROTTLE_RATES is read from settings once, at import; the scope stays "kiosk".
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"kiosk": "3/min"})
    codes = [
        device_client.post(SCAN, {"gate": "HUU_NGHI", "plate": "12C-123.45"}, format="json").status_code
        for _ in range(4)
    ]
    assert codes == [200, 200, 200, 429]


# --- people ----------------------------------------------------------------------------------
def test_gate_staff_scan_at_their_gate_and_get_candidates_for_a_misread(gate_staff):
    make_booking(plate="12C-123.45")
    response = staff_client(gate_staff).post(SCAN, {"gate": "HUU_NGHI", "read": "12C-I23.45"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["verdict"], body["action"], body["booking"]) == ("check", None, None)
    assert body["candidates"] == ["12C-123.45"]


def test_gate_staff_scan_a_ticket_as_read(gate_staff):
    booking = make_booking()
    body = (
        staff_client(gate_staff)
        .post(SCAN, {"gate": "huu_nghi", "read": booking.ticket}, format="json")
        .json()
    )
    assert body["booking"]["id"] == booking.pk and body["verdict"] == "allow"


def test_gate_staff_with_a_token_may_scan(gate_staff):
    from rest_framework.authtoken.models import Token

    booking = make_booking(plate="12C-123.45")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=gate_staff).key}")
    response = client.post(SCAN, {"gate": "HUU_NGHI", "plate": "12C-123.45"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["verdict"], body["reason_code"], body["action"]) == ("allow", "admit", "admit")
    assert body["booking"]["id"] == booking.pk


def test_gate_staff_of_another_gate_are_refused(db):
    elsewhere = factories.staff_user(Role.GATE_STAFF, gates=["TAN_THANH"])
    response = staff_client(elsewhere).post(SCAN, {"gate": "HUU_NGHI", "plate": "12C-123.45"}, format="json")
    assert response.status_code == 403


@pytest.mark.parametrize("who", ["owner", "customs_officer", "stranger"])
def test_people_who_are_not_gate_staff_are_refused(request, who):
    response = staff_client(request.getfixturevalue(who)).post(
        SCAN, {"gate": "HUU_NGHI", "plate": "12C-123.45"}, format="json"
    )
    assert response.status_code == 403


def test_an_unknown_gate_is_404_for_staff(gate_staff):
    response = staff_client(gate_staff).post(SCAN, {"gate": "NOWHERE", "plate": "12C-123.45"}, format="json")
    assert response.status_code == 404


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"gate": "HUU_NGHI"},
        {"gate": "HUU_NGHI", "plate": "   "},
        {"gate": "HUU_NGHI", "plate": "x" * 201},
    ],
)
def test_bad_scan_input_is_400(gate_staff, payload):
    response = staff_client(gate_staff).post(SCAN, payload, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"code", "detail"}


BODIES = [
    {"gate": "HUU_NGHI", "plate": "12C-123.45"},
    {"gate": " huu_nghi ", "lane": " 2 ", "read": "  CK1-ABC  "},
    {"gate": "HUU_NGHI", "ticket": "CK1-ABC", "plate": "12C-123.45"},
    {"gate": "HUU_NGHI", "plate": "29LD-012.34", "unknown": 1},
    {"gate": "HUU_NGHI", "plate": "Đ" * 200},
    {"gate": "HUU_NGHI", "plate": "x" * 201},
    {"gate": "HUU_NGHI", "plate": "12C\x00"},
    {"gate": "HUU_NGHI", "plate": "\ud800"},
    {"gate": "HUU_NGHI", "plate": 12345},
    {"gate": "HUU_NGHI", "plate": None},
    {"gate": "HUU_NGHI", "plate": "a", "read": "b"},
    {"gate": "", "plate": "a"},
    {"gate": "x" * 21, "plate": "a"},
    {"plate": "a"},
    {"gate": "HUU_NGHI", "ticket": ["CK1-ABC"]},
    ["HUU_NGHI"],
]


@pytest.mark.parametrize("body", BODIES)
def test_the_scan_body_is_read_as_the_scan_serializer_reads_it(body):
    from rest_framework.exceptions import ValidationError

    from queueing.kiosk.api import ScanIn, scan_params

    serializer = ScanIn(data=body)
    if serializer.is_valid():
        assert scan_params(body) == dict(serializer.validated_data)
    else:
        with pytest.raises(ValidationError) as refused:
            scan_params(body)
        assert refused.value.detail == serializer.errors


def test_get_is_not_allowed(gate_staff):
    assert staff_client(gate_staff).get(SCAN).status_code == 405


@pytest.mark.parametrize(
    "payload", [{}, {"event": "x", "action": "admit"}, {"event": 1, "action": "teleport"}]
)
def test_bad_action_input_is_400(gate_staff, payload):
    assert staff_client(gate_staff).post(ACTIONS, payload, format="json").status_code == 400


def test_an_action_on_an_unknown_event_is_404(gate_staff):
    response = staff_client(gate_staff).post(ACTIONS, {"event": 987654, "action": "admit"}, format="json")
    assert response.status_code == 404


def test_an_action_the_verdict_did_not_allow_is_409(gate_staff):
    make_booking(plate="12C-123.45")
    client = staff_client(gate_staff)
    scan = client.post(SCAN, {"gate": "HUU_NGHI", "plate": "12C-123.45"}, format="json").json()
    response = client.post(ACTIONS, {"event": scan["event"], "action": "exit"}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "action_not_allowed"
    assert client.post(ACTIONS, {"event": scan["event"], "action": "admit"}, format="json").status_code == 200
    assert client.post(ACTIONS, {"event": scan["event"], "action": "admit"}, format="json").status_code == 409


def test_the_reason_is_given_in_the_staff_members_language(gate_staff):
    from cuakhau.accounts.models import profile_for

    profile = profile_for(gate_staff)
    profile.language = "zh-hans"
    profile.save()
    client = APIClient()
    client.force_login(gate_staff)
    response = client.post(SCAN, {"gate": "HUU_NGHI", "plate": "12C-123.45"}, format="json")
    # The reason is rendered while the staff member's language is active (the .po files come later).
    assert response["Content-Language"] == "zh-hans"
    assert response.json()["reason_code"] == "no_booking"


def test_a_device_created_by_the_service_has_a_working_key(gate):
    booking = make_booking(plate="12C-123.45", state="in_yard")
    device, key = device_create(gate=gate, lane="2")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    response = client.post(SCAN, {"gate": "HUU_NGHI", "plate": "12C-123.45"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["verdict"], body["reason_code"], body["action"]) == ("allow", "release", "release")
    assert body["booking"]["id"] == booking.pk
    event = GateEvent.objects.get(pk=body["event"])
    assert (event.device_id, event.lane, event.verdict) == (device.pk, "2", "allow")


def test_a_device_always_scans_at_its_own_lane(device_client):
    body = device_client.post(
        SCAN, {"gate": "HUU_NGHI", "lane": "9", "plate": "12C-123.45"}, format="json"
    ).json()
    assert GateEvent.objects.get(pk=body["event"]).lane == "1"


def test_staff_say_which_lane_they_scan_at(gate_staff):
    body = (
        staff_client(gate_staff)
        .post(SCAN, {"gate": "HUU_NGHI", "lane": "exit-2", "plate": "12C-123.45"}, format="json")
        .json()
    )
    assert GateEvent.objects.get(pk=body["event"]).lane == "exit-2"


def test_the_openapi_schema_documents_the_kiosk_and_its_device_key(gate_staff):
    response = staff_client(gate_staff).get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    schema = response.json()
    scan = schema["paths"]["/api/v1/kiosk/scan/"]["post"]
    assert {"deviceKey": []} in scan["security"]
    assert "ScanIn" in str(scan["requestBody"]) and "ScanOut" in str(scan["responses"])
    assert "/api/v1/kiosk/actions/" in schema["paths"]


def _at_gate(moment, gate) -> str | None:  # type: ignore[no-untyped-def]
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo(gate.timezone)).isoformat() if moment else None


def test_the_scan_and_action_replies_have_their_documented_shape_exactly(device_client, device):
    """Every key of the replies, in order, with values read back from the rows by hand."""
    import datetime as dt

    booking = make_booking(plate="12C-123.45", fee=100_000)
    declaration, vehicle, gate = booking.declaration, booking.vehicle, booking.gate
    driver = declaration.driver
    body = device_client.post(SCAN, {"gate": "HUU_NGHI", "plate": "12C-123.45"}, format="json").json()

    assert list(body) == [
        "verdict", "verdict_label", "reason", "reason_code", "action", "action_label", "flags",
        "fee_unpaid", "booking", "declaration", "vehicle", "driver", "candidates", "event", "gate",
    ]  # fmt: skip
    assert (body["verdict"], body["action"], body["action_label"]) == ("allow", "admit", "Admit to the yard")
    assert body["verdict_label"] and body["reason"] and body["reason_code"]
    assert (body["flags"], body["fee_unpaid"], body["candidates"], body["gate"]) == ([], None, [], "HUU_NGHI")
    assert body["event"] == GateEvent.objects.get().pk
    start, end = booking.slot.start, booking.slot.end
    assert body["booking"] == {
        "id": booking.pk,
        "state": "confirmed",
        "state_label": "Confirmed",
        "declaration": declaration.pk,
        "slot": booking.slot_id,
        "gate": "HUU_NGHI",
        "ticket": booking.ticket,
        "queue_position": None,
        "window": {
            "start": _at_gate(start, gate),
            "end": _at_gate(end, gate),
            "entry_opens": _at_gate(start - dt.timedelta(minutes=gate.early_margin_minutes), gate),
            "entry_closes": _at_gate(end + dt.timedelta(minutes=gate.grace_minutes), gate),
        },
        "perishable": False,
        "inspection_required": False,
        "checked_in_at": None,
        "called_at": None,
    }
    assert body["declaration"] == {
        "id": declaration.pk,
        "number": declaration.number,
        "state": "cleared",
        "state_label": "Cleared",
        "channel": "green",
        "channel_label": "Green",
        "direction": declaration.direction,
        "direction_label": str(declaration.get_direction_display()),
        "planned_date": declaration.planned_date.isoformat(),
    }
    assert body["vehicle"] == {
        "id": vehicle.pk,
        "plate": "12C-123.45",
        "plate_canonical": "12C12345",
        "country": "VN",
        "kind": vehicle.kind,
        "kind_label": str(vehicle.get_kind_display()),
        "trailer_plate": vehicle.trailer_plate,
        "max_gross_kg": vehicle.max_gross_kg,
    }
    assert body["driver"] == {
        "id": driver.pk,
        "full_name": driver.full_name,
        "nationality": driver.nationality,
        "id_number": driver.id_number,
        "licence_number": driver.licence_number,
    }

    done = device_client.post(ACTIONS, {"event": body["event"], "action": "admit"}, format="json").json()
    booking.refresh_from_db()
    assert list(done) == ["state", "state_label", "action", "event", "booking"]
    assert (done["state"], done["state_label"], done["action"]) == ("in_yard", "In the yard", "admit")
    assert done["event"] == GateEvent.objects.latest("pk").pk != body["event"]
    assert done["booking"] == {
        **body["booking"],
        "state": "in_yard",
        "state_label": "In the yard",
        "queue_position": 1,
        "checked_in_at": _at_gate(booking.checked_in_at, gate),
    }


def test_a_scan_without_a_booking_has_nulls_and_candidates(device_client, device):
    make_booking(plate="12C-123.45")
    body = device_client.post(SCAN, {"gate": "HUU_NGHI", "plate": "12C-123.46"}, format="json").json()
    assert body["candidates"] == ["12C-123.45"]
    assert [body[k] for k in ("booking", "declaration", "vehicle", "driver")] == [None] * 4
    assert body["action"] is None and body["action_label"] is None


@pytest.mark.parametrize(
    "booking_kw, read",
    [
        ({"plate": "12C-123.45"}, "12C-123.45"),  # exact plate: allow, admit
        ({"plate": "12C-123.45"}, "12C-123.46"),  # misread: no booking, candidates
        ({"plate": "12C-123.45", "state": "in_yard", "fee": 250_000}, "12C-123.45"),  # fee due
        ({"plate": "12C-123.45", "channel": "red", "perishable": True, "state": "called"}, "12C-123.45"),
        ({"plate": "粤Z·1234港", "country": "CN", "direction": "import"}, "粤Z1234港"),
        (None, "99H-999.99"),  # unknown plate
    ],
)
def test_the_scan_reply_is_what_its_serializer_declares(gate_staff_at_huu_nghi, booking_kw, read):
    """The API answers `scan_reply` (built directly, the hot path); `ScanOut` declares the
    shape. For every kind of scan they give the same dict, key for key and in order."""
    from queueing.kiosk import api, services

    if booking_kw:
        make_booking(**booking_kw)
    gate = services.kiosk_gate(code="HUU_NGHI", staff=gate_staff_at_huu_nghi)
    result = services.kiosk_scan(gate=gate, raw=read, staff=gate_staff_at_huu_nghi)
    direct, declared = api.scan_reply(result, gate), api.scan_reply_serialized(result, gate)
    assert list(direct) == list(declared)
    assert direct == declared
    if booking_kw and read == booking_kw["plate"]:
        assert direct["booking"] is not None and list(direct["booking"]) == list(declared["booking"])


# --- what an action costs ------------------------------------------------------------------------
def _act(client: APIClient, action: str, queries):  # type: ignore[no-untyped-def]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    scan = client.post(SCAN, {"gate": "HUU_NGHI", "plate": "12C-123.45"}, format="json").json()
    assert scan["action"] == action, scan
    with CaptureQueriesContext(connection) as captured:
        response = client.post(ACTIONS, {"event": scan["event"], "action": action}, format="json")
    assert response.status_code == 200, response.content
    sql = [q["sql"] for q in captured.captured_queries]
    assert len(sql) <= queries, "\n".join(sql)
    return response.json(), sql


@pytest.mark.postgres  # counts the row locks (FOR UPDATE), which SQLite does not take
def test_an_admission_locks_the_booking_once_in_one_transaction_and_counts_the_queue_once(device_client):
    # The event, the booking under its lock, the one-scan-one-action check, the transition and
    # its log, the queue number (told to the driver and replied), the owners and their
    # notification, the action's event; no savepoint but the action's own.
    make_booking(plate="12C-123.45", state="confirmed")
    body, sql = _act(device_client, "admit", 11)
    assert body["state"] == "in_yard" and body["booking"]["queue_position"] == 1
    assert sum(q.startswith("SAVEPOINT") for q in sql) == 1
    assert sum('FROM "queueing_booking"' in q and "FOR UPDATE" in q for q in sql) == 1
    assert sum(q.startswith('SELECT COUNT(*) AS "__count" FROM "queueing_booking"') for q in sql) == 1
    assert sum("kiosk_gateevent" in q and "state_after" in q and q.startswith("SELECT 1") for q in sql) == 1


@pytest.mark.postgres  # counts the row locks (FOR UPDATE), which SQLite does not take
def test_an_exit_locks_booking_and_declaration_in_one_statement_and_completes_without_re_reading(
    gate_staff,
):
    from cuakhau.notifications.models import Notification
    from cuakhau.transitions.services import history

    booking = make_booking(plate="12C-123.45", state="called", fee=100_000, fee_state="paid")
    operator = factories.operator_user(booking.company)
    body, sql = _act(staff_client(gate_staff), "exit", 15)
    assert body["state"] == "departed" and body["booking"]["queue_position"] is None
    assert sum(q.startswith("SAVEPOINT") for q in sql) == 1
    locks = [q for q in sql if "FOR UPDATE" in q]
    assert len(locks) == 2, locks  # booking and declaration together; the open reviews
    assert 'FOR UPDATE OF "queueing_booking", "declarations_declaration"' in locks[0]
    assert '"fees_fee"' in locks[0]  # the verdict's fee came with them
    reads = [q for q in sql if q.startswith(('SELECT "fees_fee"', 'SELECT "queueing_booking"'))]
    assert reads == [locks[0]]  # neither the booking, the declaration's fee nor its bookings again
    booking.refresh_from_db()
    declaration = booking.declaration
    assert (booking.state, declaration.state) == ("departed", "completed")
    assert history(booking).last().transition == "depart"
    assert history(declaration).last().transition == "complete"
    assert Notification.objects.filter(
        recipient=operator, event="declaration.completed", subject_id=declaration.pk
    ).exists()


def test_a_failure_inside_the_exit_rolls_the_whole_action_back(gate_staff, monkeypatch):
    # The yard service and the completion take no savepoint of their own: their failure is the
    # action's, which changes nothing and logs the refusal.
    from cuakhau.errors import Conflict
    from cuakhau.transitions.services import history
    from queueing.services import yard

    def refuse(**kwargs):  # type: ignore[no-untyped-def]
        raise Conflict("no", code="refused_for_the_test")

    monkeypatch.setattr(yard, "declaration_complete", refuse)
    booking = make_booking(plate="12C-123.45", state="called", fee=100_000, fee_state="paid")
    client = staff_client(gate_staff)
    scan = client.post(SCAN, {"gate": "HUU_NGHI", "plate": "12C-123.45"}, format="json").json()
    response = client.post(ACTIONS, {"event": scan["event"], "action": "exit"}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "refused_for_the_test"
    booking.refresh_from_db()
    assert booking.state == "called" and booking.departed_at is None
    assert history(booking).filter(transition="depart").count() == 0
    assert booking.declaration.state == "cleared"
    refusal = GateEvent.objects.get(scan_id=scan["event"])
    assert (refusal.reason_code, refusal.state_after) == ("action_refused", "")
