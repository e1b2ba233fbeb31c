from __future__ import annotations

import pytest
from django.utils import timezone

from queueing import services
from queueing.models import Slot

from .conftest import make_declaration, make_slot

pytestmark = pytest.mark.django_db


def test_gates_are_listed_by_code(api_client, owner):
    api_client.force_authenticate(owner)
    codes = [g["code"] for g in api_client.get("/api/v1/gates/").json()]
    assert {"HUU_NGHI", "TAN_THANH", "CHI_MA", "COC_NAM"} <= set(codes)


def test_anonymous_callers_are_refused(api_client, booking):
    assert api_client.get("/api/v1/gates/").status_code == 401
    assert api_client.get("/api/v1/bookings/").status_code == 401
    assert api_client.get(f"/api/v1/bookings/{booking.pk}/ticket.png").status_code == 401


def test_slots_of_a_day_and_direction_use_the_spec_field_names(api_client, owner, gate, slot):
    api_client.force_authenticate(owner)
    day = timezone.localtime(slot.start).date().isoformat()
    data = api_client.get(f"/api/v1/gates/HUU_NGHI/slots/?date={day}&direction=export").json()
    row = next(r for r in data if r["id"] == slot.pk)
    assert {"id", "gate", "direction", "start", "end", "capacity", "booked", "available"} <= set(row)
    assert row["gate"] == "HUU_NGHI" and row["available"] == 10
    assert api_client.get(f"/api/v1/gates/HUU_NGHI/slots/?date={day}&direction=import").json() == []


@pytest.mark.parametrize(
    "query",
    ["date=26-11-2026", "date=2026-13-01", "date=2026-02-30", "date=9999-12-31", "direction=sideways"],
)
def test_bad_slot_queries_are_400(api_client, owner, query):
    api_client.force_authenticate(owner)
    response = api_client.get(f"/api/v1/gates/HUU_NGHI/slots/?{query}")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_unknown_gate_is_404(api_client, owner):
    api_client.force_authenticate(owner)
    assert api_client.get("/api/v1/gates/NOWHERE/slots/").status_code == 404


def test_booking_through_the_api_and_listing_own_bookings(api_client, owner, declaration, slot):
    api_client.force_authenticate(owner)
    response = api_client.post(
        "/api/v1/bookings/", {"declaration": declaration.pk, "slot": slot.pk}, format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert {"id", "state", "declaration", "slot", "ticket", "queue_position"} <= set(body)
    assert body["state"] == "confirmed" and body["queue_position"] is None
    assert [b["id"] for b in api_client.get("/api/v1/bookings/").json()["results"]] == [body["id"]]


def test_a_full_slot_answers_409_slot_full(api_client, owner, company, gate):
    slot = make_slot(gate, capacity=1)
    services.booking_create(declaration=make_declaration(company), slot=slot, actor=owner)
    api_client.force_authenticate(owner)
    response = api_client.post(
        "/api/v1/bookings/", {"declaration": make_declaration(company).pk, "slot": slot.pk}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "slot_full"


def test_another_companys_declaration_cannot_be_named(api_client, other_owner, declaration, slot):
    api_client.force_authenticate(other_owner)
    response = api_client.post(
        "/api/v1/bookings/", {"declaration": declaration.pk, "slot": slot.pk}, format="json"
    )
    assert response.status_code == 400
    assert Slot.objects.get(pk=slot.pk).booked == 0


def test_another_companys_booking_is_404(api_client, other_owner, booking):
    api_client.force_authenticate(other_owner)
    assert api_client.get(f"/api/v1/bookings/{booking.pk}/").status_code == 404
    assert api_client.post(f"/api/v1/bookings/{booking.pk}/cancel/").status_code == 404
    assert api_client.get(f"/api/v1/bookings/{booking.pk}/ticket.png").status_code == 404


def test_cancel_and_rebook_through_the_api(api_client, owner, booking, gate):
    api_client.force_authenticate(owner)
    new = make_slot(gate, hours_ahead=40)
    response = api_client.post(f"/api/v1/bookings/{booking.pk}/rebook/", {"slot": new.pk}, format="json")
    assert response.status_code == 200 and response.json()["slot"] == new.pk
    assert api_client.post(f"/api/v1/bookings/{booking.pk}/rebook/", {}, format="json").status_code == 400
    response = api_client.post(f"/api/v1/bookings/{booking.pk}/cancel/", {"reason": "later"}, format="json")
    assert response.status_code == 200 and response.json()["state"] == "cancelled"
    again = api_client.post(f"/api/v1/bookings/{booking.pk}/cancel/")
    assert again.status_code == 409 and again.json()["code"] == "illegal_transition"


def test_wrong_method_is_405(api_client, owner, booking):
    api_client.force_authenticate(owner)
    assert api_client.get(f"/api/v1/bookings/{booking.pk}/cancel/").status_code == 405
    assert api_client.delete(f"/api/v1/bookings/{booking.pk}/").status_code == 405


@pytest.mark.parametrize("accept", ["application/json", "text/html", "image/png", "*/*"])
def test_the_ticket_png_encodes_exactly_the_ticket_whatever_accept_says(api_client, owner, booking, accept):
    api_client.force_authenticate(owner)
    response = api_client.get(f"/api/v1/bookings/{booking.pk}/ticket.png", HTTP_ACCEPT=accept)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response.content.startswith(b"\x89PNG")
    assert _png_matrix(response.content) == _expected_matrix(booking.ticket)
    assert _png_matrix(response.content) != _expected_matrix(booking.ticket + "X")


def _png_matrix(png: bytes) -> list[list[bool]]:
    """Read the PNG back into QR modules (10 px boxes, 4-module border)."""
    import io

    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("L")
    modules = image.width // 10
    return [[image.getpixel((x * 10 + 5, y * 10 + 5)) < 128 for x in range(modules)] for y in range(modules)]


def _expected_matrix(text: str) -> list[list[bool]]:
    import qrcode

    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    qr.add_data(text.encode("ascii"))
    qr.make(fit=True)
    return [list(row) for row in qr.get_matrix()]


def test_waitlist_join_and_leave_through_the_api(api_client, owner, company, gate):
    slot = make_slot(gate, capacity=1)
    services.booking_create(declaration=make_declaration(company), slot=slot, actor=owner)
    api_client.force_authenticate(owner)
    response = api_client.post(
        "/api/v1/waitlist/",
        {"declaration": make_declaration(company).pk, "slot": slot.pk, "auto_book": True},
        format="json",
    )
    assert response.status_code == 201 and response.json()["state"] == "waiting"
    left = api_client.post(f"/api/v1/waitlist/{response.json()['id']}/leave/")
    assert left.json()["state"] == "left"
