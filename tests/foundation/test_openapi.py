"""The OpenAPI schema: every path the SPEC promises, typed, generated without a warning."""

from __future__ import annotations

from typing import Any

import pytest
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator

SPEC_PATHS = [
    "/api/v1/auth/token/",
    "/api/v1/companies/",
    "/api/v1/drivers/",
    "/api/v1/vehicles/",
    "/api/v1/declarations/",
    "/api/v1/declarations/{id}/submit/",
    "/api/v1/declarations/{id}/cancel/",
    "/api/v1/declarations/{id}/resubmit/",
    "/api/v1/declarations/{id}/documents/",
    "/api/v1/reviews/",
    "/api/v1/reviews/{id}/claim/",
    "/api/v1/reviews/{id}/approve/",
    "/api/v1/reviews/{id}/reject/",
    "/api/v1/reviews/{id}/request-info/",
    "/api/v1/gates/",
    "/api/v1/gates/{code}/slots/",
    "/api/v1/bookings/",
    "/api/v1/bookings/{id}/cancel/",
    "/api/v1/bookings/{id}/rebook/",
    "/api/v1/bookings/{id}/ticket.png",
    "/api/v1/declarations/{id}/fee/",
    "/api/v1/declarations/{id}/fee/qr.png",
    "/api/v1/kiosk/scan/",
    "/api/v1/kiosk/actions/",
    "/api/v1/notifications/",
]


def _schema() -> dict[str, Any]:
    return SchemaGenerator().get_schema(request=None, public=True)


def _component(schema: dict[str, Any], ref: dict[str, Any]) -> dict[str, Any]:
    return schema["components"]["schemas"][ref["$ref"].rsplit("/", 1)[-1]]


def _json_response(schema: dict[str, Any], path: str, method: str, status: str) -> dict[str, Any]:
    return _component(
        schema, schema["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]
    )


def test_the_schema_lists_every_path_the_spec_promises():
    paths = _schema()["paths"]

    assert [p for p in SPEC_PATHS if p not in paths] == []


def test_generating_the_schema_raises_no_warning_or_error():
    # Warnings are remembered per process; start clean so this run's own are counted.
    GENERATOR_STATS.reset()

    _schema()

    assert not GENERATOR_STATS._warn_cache and not GENERATOR_STATS._error_cache, dict(
        GENERATOR_STATS._warn_cache
    ) | dict(GENERATOR_STATS._error_cache)


def test_the_fee_response_declares_the_amount_as_a_whole_number_of_vnd():
    schema = _schema()

    fee = _json_response(schema, "/api/v1/declarations/{id}/fee/", "get", "200")

    assert fee["properties"]["amount"]["type"] == "integer"
    assert {"amount", "currency", "breakdown", "state", "vietqr"} <= set(fee["properties"])
    assert fee["properties"]["vietqr"]["nullable"] is True
    state = _component(schema, fee["properties"]["state"])
    assert state["enum"] == ["unpaid", "paid", "refunded", "not_due"]
    line = _component(schema, fee["properties"]["breakdown"]["items"])
    assert line["properties"]["amount"]["type"] == "integer"


def test_paying_a_fee_documents_the_request_and_both_created_and_repeated_answers():
    schema = _schema()
    cash = schema["paths"]["/api/v1/declarations/{id}/fee/cash/"]["post"]

    body = _component(schema, cash["requestBody"]["content"]["application/json"]["schema"])
    assert set(body["required"]) == {"amount", "receipt_number"}
    assert set(cash["responses"]) == {"200", "201"}
    paid = _json_response(schema, "/api/v1/declarations/{id}/fee/cash/", "post", "201")
    assert paid["properties"]["payment"]["$ref"].endswith("/FeePayment")


@pytest.mark.parametrize("path", ["/api/v1/bookings/{id}/ticket.png", "/api/v1/declarations/{id}/fee/qr.png"])
def test_the_qr_code_endpoints_are_documented_as_png_images(path):
    responses = _schema()["paths"][path]["get"]["responses"]

    assert responses["200"]["content"] == {"image/png": {"schema": {"type": "string", "format": "binary"}}}


@pytest.mark.parametrize("path", ["/api/v1/notifications/{id}/", "/api/v1/notifications/{id}/read/"])
def test_a_notification_is_addressed_by_an_integer_id(path):
    operation = next(iter(_schema()["paths"][path].values()))

    (parameter,) = [p for p in operation["parameters"] if p["in"] == "path"]
    assert parameter["name"] == "id"
    assert parameter["schema"]["type"] == "integer"


def test_a_signed_in_user_downloads_the_schema(api_client, owner):
    api_client.force_authenticate(owner)

    response = api_client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    assert "/api/v1/declarations/{id}/fee/" in response.json()["paths"]
