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
    assert _decoded(response.content) == [booking.ticket]


def _decoded(data: bytes) -> list[str]:
    """What a QR reader finds in an image (zxing-cpp, an independent decoder)."""
    import io

    import zxingcpp
    from PIL import Image

    return [result.text for result in zxingcpp.read_barcodes(Image.open(io.BytesIO(data)))]


def test_the_ticket_png_modules_are_exactly_the_qr_of_the_ticket(owner, booking):
    """Read the drawn modules back pixel by pixel: the QR is the ticket's, whole pixels a module."""
    from queueing.selectors import ticket_facts
    from queueing.ticket_image import draw_ticket

    image, (left, top, module) = draw_ticket(ticket_facts(booking), width=720)
    grey = image.convert("L")
    expected = _expected_matrix(booking.ticket)
    drawn = [
        [
            grey.getpixel((left + x * module + module // 2, top + y * module + module // 2)) < 128
            for x in range(len(expected))
        ]
        for y in range(len(expected))
    ]
    assert drawn == expected
    assert drawn != _expected_matrix(booking.ticket + "X")


def _expected_matrix(text: str) -> list[list[bool]]:
    import qrcode

    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    qr.add_data(text.encode("ascii"))
    qr.make(fit=True)
    return [list(row) for row in qr.get_matrix()]


def test_the_ticket_pdf_is_one_a6_page_whose_qr_is_the_ticket(api_client, owner, booking):
    import io
    import re

    from PIL import Image

    api_client.force_authenticate(owner)
    response = api_client.get(f"/api/v1/bookings/{booking.pk}/ticket.pdf", HTTP_ACCEPT="application/json")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = response.content
    assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type /Page\b(?!s)", pdf)) == 1
    # A6 is 105 × 148 mm = 297.6 × 419.5 points.
    width, height = (float(v) for v in re.search(rb"/MediaBox \[ ?0 0 ([\d.]+) ([\d.]+) ?\]", pdf).groups())
    assert (round(width), round(height)) == (298, 420)
    # Its one image, decoded, is the ticket.
    from queueing.selectors import ticket_facts
    from queueing.ticket_image import draw_ticket

    image, _box = draw_ticket(ticket_facts(booking), width=1240)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    assert _decoded(buffer.getvalue()) == [booking.ticket]
    assert Image.open(io.BytesIO(buffer.getvalue())).size == (1240, 1748)


def test_the_ticket_image_of_another_company_is_not_found(api_client, other_owner, booking):
    api_client.force_authenticate(other_owner)
    assert api_client.get(f"/api/v1/bookings/{booking.pk}/ticket.pdf").status_code == 404


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
