"""The declaration page shows the panels of the floors above: the fee and the booking."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from queueing.models import Booking, Slot
from tests.factories import CargoLineFactory, DeclarationFactory

pytestmark = pytest.mark.django_db


def test_a_draft_shows_how_the_fee_will_be_computed_and_no_booking_yet(client, owner, company):
    declaration = DeclarationFactory(company=company)
    client.force_login(owner)
    page = client.get(f"/portal/declarations/{declaration.pk}/").content.decode()
    assert 'id="fee-panel"' in page
    assert 'id="booking-panel"' not in page  # a draft cannot be booked


def test_a_submitted_declaration_offers_to_book_its_gate(client, owner, company):
    declaration = DeclarationFactory(company=company, state="submitted")
    client.force_login(owner)
    page = client.get(f"/portal/declarations/{declaration.pk}/").content.decode()
    assert 'id="booking-panel"' in page
    assert f"/portal/bookings/slots/?declaration={declaration.pk}" in page


def test_a_booked_declaration_shows_its_slot_and_ticket_link(client, owner, company, gate):
    declaration = DeclarationFactory(company=company, state="cleared", gate=gate)
    CargoLineFactory(declaration=declaration)
    start = timezone.now() + dt.timedelta(hours=3)
    slot = Slot.objects.create(
        gate=gate, direction="export", start=start, end=start + dt.timedelta(hours=1), capacity=5, booked=1
    )
    booking = Booking.objects.create(
        declaration=declaration,
        slot=slot,
        gate=gate,
        company=company,
        vehicle=declaration.vehicle,
        plate_canonical=declaration.vehicle.plate_canonical,
        slot_start=start,
        ticket="CK1-TESTPANEL",
    )
    client.force_login(owner)
    page = client.get(f"/portal/declarations/{declaration.pk}/").content.decode()
    assert f"/portal/bookings/{booking.pk}/" in page
    assert "booking-panel" in page


def test_another_company_cannot_open_the_page(client, other_owner, company):
    declaration = DeclarationFactory(company=company, state="submitted")
    client.force_login(other_owner)
    assert client.get(f"/portal/declarations/{declaration.pk}/").status_code == 404


def test_gate_staff_find_their_kiosks_on_the_portal_home(client, gate_staff):
    client.force_login(gate_staff)
    page = client.get("/portal/").content.decode()
    assert "/kiosk/HUU_NGHI/" in page and "/board/COC_NAM/" in page
    assert 'href="/dashboard/"' not in page


def test_managers_find_the_dashboard_and_operators_see_no_staff_links(client, gate_manager, owner):
    client.force_login(gate_manager)
    assert 'href="/dashboard/"' in client.get("/portal/").content.decode()
    client.force_login(owner)
    assert 'id="staff-links"' not in client.get("/portal/").content.decode()
