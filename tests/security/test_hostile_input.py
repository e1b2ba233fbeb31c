"""Hostile input is a 400 with a clear message, never a 500 nor a silent change: control characters
in addresses and query parameters, deep JSON, formset counts, long notes, far dates, negative
values, writes of read-only fields."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.utils import timezone

from cuakhau.accounts.roles import Role
from declarations import services
from declarations.fees.providers import Sandbox
from tests import factories
from tests.declarations.conftest import FRUIT, new_draft

pytestmark = pytest.mark.django_db

DEEP = "[" * 2000 + "]" * 2000
NESTED_OBJECT = '{"a":' * 2000 + "1" + "}" * 2000


@pytest.fixture
def as_owner(api_client, owner):  # type: ignore[no-untyped-def]
    api_client.force_authenticate(owner)
    return api_client


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/declarations/?state=%00",
        "/api/v1/reviews/?state=%00",
        "/api/v1/gates/%00/slots/",
        "/api/v1/fees/collected/?gate=%00",
        "/api/v1/gates/HUU_NGHI/slots/?date=2026-01-01%01",
        "/api/v1/drivers/?%00=1",
        "/portal/declarations/?state=%1f",
        "/kiosk/%00/",
    ],
)
def test_a_control_character_in_the_address_or_a_parameter_is_a_400_that_says_so(as_owner, url):
    response = as_owner.get(url)

    assert response.status_code == 400
    assert "control character" in response.content.decode()


def test_the_api_answers_a_control_character_in_its_own_error_shape(as_owner):
    body = as_owner.get("/api/v1/declarations/?state=%00").json()

    assert body["code"] == "invalid"
    assert "state" in body["detail"]


def test_tabs_and_newlines_in_a_query_value_are_still_allowed(as_owner):
    assert as_owner.get("/api/v1/declarations/?state=draft%0A").status_code == 200


@pytest.mark.parametrize("body", [DEEP, NESTED_OBJECT])
def test_deep_json_is_a_400(as_owner, body):
    response = as_owner.post("/api/v1/drivers/", body, content_type="application/json")

    assert response.status_code == 400
    assert "deeper than" in response.json()["detail"]


def test_json_nested_just_under_the_limit_is_read(as_owner, settings):
    settings.JSON_MAX_DEPTH = 4
    shallow = '{"full_name": "A", "extra": [[1]]}'  # depth 3

    response = as_owner.post("/api/v1/drivers/", shallow, content_type="application/json")

    assert response.status_code == 400  # missing fields, but read: not a depth error
    assert "deeper than" not in str(response.json()["detail"])


@pytest.mark.parametrize(
    "body",
    [DEEP.encode(), b'{"txn_id": "SBX\\u0000-1", "reference": "TK0000001", "amount": 1000}'],
)
def test_a_signed_callback_with_deep_json_or_a_nul_is_a_400(client, body):
    response = client.post(
        "/api/v1/fees/callback/sandbox/",
        body,
        content_type="application/json",
        HTTP_X_SANDBOX_SIGNATURE=Sandbox.sign(body),
    )

    assert response.status_code == 400


# --- portal formsets ---------------------------------------------------------------------------
def _edit_form(declaration, total: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {
        "vehicle": declaration.vehicle_id,
        "driver": declaration.driver_id,
        "gate": declaration.gate.code,
        "direction": declaration.direction,
        "planned_date": declaration.planned_date.isoformat(),
        "delivery_mode": "standard",
        "cargo-TOTAL_FORMS": total,
        "cargo-INITIAL_FORMS": "0",
        "containers-TOTAL_FORMS": "0",
        "containers-INITIAL_FORMS": "0",
    }


@pytest.mark.parametrize("total", ["-1", "100000", "1e3", ""])
def test_a_hostile_cargo_form_count_is_a_400_and_keeps_the_cargo(client, owner, total):
    draft = new_draft(owner)
    client.force_login(owner)

    started = time.monotonic()
    response = client.post(f"/portal/declarations/{draft.pk}/edit/", _edit_form(draft, total))

    assert response.status_code == 400
    assert "form count" in response.content.decode()
    assert time.monotonic() - started < 2
    assert draft.cargo_lines.count() == 1


def test_more_cargo_rows_than_the_cap_are_refused_without_building_them(client, owner):
    draft = new_draft(owner)
    client.force_login(owner)

    response = client.post(f"/portal/declarations/{draft.pk}/edit/", _edit_form(draft, "500"))

    assert response.status_code == 200  # the form again, with the error
    assert "100" in response.content.decode()
    assert draft.cargo_lines.count() == 1


# --- notes, dates, values ------------------------------------------------------------------------
def test_a_review_note_longer_than_the_cap_is_a_400_and_nothing_changes(api_client, owner):
    draft = new_draft(owner)
    services.declaration_submit(actor=owner, declaration=draft)
    officer = factories.staff_user(Role.CUSTOMS, "customs")
    review = draft.reviews.get(agency="customs")
    api_client.force_authenticate(officer)
    api_client.post(f"/api/v1/reviews/{review.pk}/claim/")

    response = api_client.post(f"/api/v1/reviews/{review.pk}/reject/", {"note": "x" * 100_000}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "note_too_long"
    review.refresh_from_db()
    assert review.state == "in_review"


def test_a_cancellation_note_longer_than_the_cap_is_a_400(as_owner, owner):
    draft = new_draft(owner)

    response = as_owner.post(f"/api/v1/declarations/{draft.pk}/cancel/", {"note": "y" * 2001}, format="json")

    assert response.status_code == 400
    draft.refresh_from_db()
    assert draft.state == "draft"


def _create_body(owner, **changes):  # type: ignore[no-untyped-def]
    company = owner.company_member.company
    return {
        "vehicle": factories.VehicleFactory(company=company).pk,
        "driver": factories.DriverFactory(company=company).pk,
        "gate": "HUU_NGHI",
        "direction": "export",
        "planned_date": (timezone.localdate() + dt.timedelta(days=1)).isoformat(),
        "cargo_lines": [FRUIT],
        **changes,
    }


def test_a_planned_date_beyond_the_booking_horizon_is_refused(as_owner, owner):
    response = as_owner.post(
        "/api/v1/declarations/", _create_body(owner, planned_date="9999-12-31"), format="json"
    )

    assert response.status_code == 400
    assert "planned_date" in response.json()["detail"]


def test_a_planned_date_at_the_horizon_is_accepted(as_owner, owner, settings):
    day = (timezone.localdate() + dt.timedelta(days=settings.DECLARATION_HORIZON_DAYS)).isoformat()

    assert (
        as_owner.post(
            "/api/v1/declarations/", _create_body(owner, planned_date=day), format="json"
        ).status_code
        == 201
    )


def test_a_negative_cargo_value_is_refused(as_owner, owner):
    line = {**FRUIT, "value": -5_000_000}

    response = as_owner.post("/api/v1/declarations/", _create_body(owner, cargo_lines=[line]), format="json")

    assert response.status_code == 400
    assert "negative" in str(response.json()["detail"])


# --- read-only fields ----------------------------------------------------------------------------
def test_patching_read_only_fields_of_a_declaration_is_a_400_naming_them(as_owner, owner):
    draft = new_draft(owner)

    response = as_owner.patch(
        f"/api/v1/declarations/{draft.pk}/",
        {"state": "cleared", "channel": "green", "number": "TK1", "planned_date": "2030-01-01"},
        format="json",
    )

    assert response.status_code == 400
    assert set(response.json()["detail"]) == {"state", "channel", "number"}
    draft.refresh_from_db()
    assert (draft.state, draft.channel) == ("draft", None)


def test_patching_a_vehicles_canonical_plate_is_a_400(as_owner, owner):
    vehicle = factories.VehicleFactory(company=owner.company_member.company)

    response = as_owner.patch(f"/api/v1/vehicles/{vehicle.pk}/", {"plate_canonical": "X"}, format="json")

    assert response.status_code == 400
    assert list(response.json()["detail"]) == ["plate_canonical"]


def test_patching_writable_fields_still_works(as_owner, owner):
    driver = factories.DriverFactory(company=owner.company_member.company)

    response = as_owner.patch(f"/api/v1/drivers/{driver.pk}/", {"phone": "0987654321"}, format="json")

    assert response.status_code == 200
    driver.refresh_from_db()
    assert driver.phone == "0987654321"
