from __future__ import annotations

import re

import pytest

from declarations.fees.services import payment_record_cash

from .conftest import make_declaration

pytestmark = pytest.mark.django_db


def page(declaration) -> str:  # type: ignore[no-untyped-def]
    return f"/portal/declarations/{declaration.pk}/fee/"


def test_the_owner_sees_the_fee_panel_with_breakdown_qr_and_reference(client, owner, declaration_with_fee):
    client.force_login(owner)
    response = client.get(page(declaration_with_fee), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert "1.000.000 VND" in html
    assert f'src="/api/v1/declarations/{declaration_with_fee.pk}/fee/qr.png"' in html
    assert f"<code>{declaration_with_fee.number}</code>" in html
    assert 'data-state="unpaid"' in html
    assert "12000 kg" in html


def test_the_panel_image_is_served_to_the_logged_in_owner(client, owner, declaration_with_fee):
    client.force_login(owner)
    html = client.get(page(declaration_with_fee)).content.decode()
    src = re.search(r'class="fee-qr" src="([^"]+)"', html).group(1)
    image = client.get(src)
    assert image.status_code == 200 and image["Content-Type"] == "image/png"


def test_a_paid_fee_shows_its_payment_and_no_code(client, owner, gate_staff, declaration_with_fee):
    payment_record_cash(
        fee=declaration_with_fee.fee, amount=1_000_000, receipt_number="HN-0042", staff=gate_staff
    )
    client.force_login(owner)
    html = client.get(page(declaration_with_fee)).content.decode()
    assert 'data-state="paid"' in html
    assert "HN-0042" in html
    assert "fee-qr" not in html


def test_before_submission_the_panel_says_when_the_fee_comes(client, owner, company):
    draft = make_declaration(company=company, cargo=[("08109050", 1500)])
    client.force_login(owner)
    html = client.get(page(draft)).content.decode()
    assert 'data-state="none"' in html


def test_another_company_gets_404_and_anonymous_goes_to_login(client, other_owner, declaration_with_fee):
    assert client.get(page(declaration_with_fee)).status_code == 302
    client.force_login(other_owner)
    assert client.get(page(declaration_with_fee)).status_code == 404
    assert client.get("/portal/declarations/999999/fee/").status_code == 404
