"""Registry API: field names of the SPEC, validation answers, and one company never seeing another's.

Personas (tests/conftest.py): `owner` acts for `company`; `other_owner` for `other_company`;
`stranger` is signed in but in no company; anonymous sends no credentials.
"""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token

from tests import factories
from vehicles.models import Company, Driver, Vehicle

pytestmark = pytest.mark.django_db


@pytest.fixture
def vehicle(company):  # type: ignore[no-untyped-def]
    return factories.VehicleFactory(company=company, plate="12C-123.45")


@pytest.fixture
def driver(company):  # type: ignore[no-untyped-def]
    return factories.DriverFactory(company=company)


def _as(api_client, user):  # type: ignore[no-untyped-def]
    api_client.force_authenticate(user)
    return api_client


# --- Shapes and validation -----------------------------------------------------------------


def test_vehicle_fields_are_the_specs(api_client, owner, vehicle):
    body = _as(api_client, owner).get(f"/api/v1/vehicles/{vehicle.pk}/").json()

    assert set(body) == {"id", "plate", "plate_canonical", "country", "kind", "trailer_plate", "max_gross_kg"}
    assert (body["plate"], body["plate_canonical"], body["country"]) == ("12C-123.45", "12C12345", "VN")


def test_driver_and_company_fields_are_the_specs(api_client, owner, driver, company):
    client = _as(api_client, owner)

    assert set(client.get(f"/api/v1/drivers/{driver.pk}/").json()) == {
        "id",
        "full_name",
        "nationality",
        "id_number",
        "phone",
        "licence_number",
    }
    assert set(client.get(f"/api/v1/companies/{company.pk}/").json()) == {
        "id",
        "name",
        "tax_code",
        "address",
        "phone",
    }


def test_operator_creates_a_vehicle_from_a_loosely_typed_plate(api_client, owner, company):
    response = _as(api_client, owner).post(
        "/api/v1/vehicles/", {"plate": "12c 123 45", "kind": "truck", "max_gross_kg": 32000}, format="json"
    )

    assert response.status_code == 201, response.json()
    assert response.json()["plate"] == "12C-123.45"
    assert Vehicle.objects.get(plate_canonical="12C12345").company == company


def test_operator_creates_a_chinese_vehicle_and_its_country_is_inferred(api_client, owner):
    response = _as(api_client, owner).post("/api/v1/vehicles/", {"plate": "粤B12345D"}, format="json")

    assert response.status_code == 201
    assert (response.json()["country"], response.json()["plate"]) == ("CN", "粤B·12345D")


def test_bad_plate_answers_400_with_the_field_message(api_client, owner):
    response = _as(api_client, owner).post("/api/v1/vehicles/", {"plate": "not a plate"}, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "detail": {"plate": ["Not a Vietnamese plate: expected e.g. 12C-123.45."]},
    }


def test_plate_registered_by_another_company_answers_400_not_500(api_client, owner, other_company):
    factories.VehicleFactory(company=other_company, plate="12C-123.45")

    response = _as(api_client, owner).post("/api/v1/vehicles/", {"plate": "12C12345"}, format="json")

    assert response.status_code == 400
    assert response.json()["detail"]["plate"] == ["A vehicle with plate 12C-123.45 is already registered."]


def test_vietnamese_driver_with_a_passport_number_answers_400_on_id_number(api_client, owner):
    response = _as(api_client, owner).post(
        "/api/v1/drivers/",
        {"full_name": "Lê Văn Tám", "nationality": "VN", "id_number": "B1234567"},
        format="json",
    )

    assert response.status_code == 400
    assert set(response.json()["detail"]) == {"id_number"}


def test_operator_adds_a_chinese_driver(api_client, owner):
    response = _as(api_client, owner).post(
        "/api/v1/drivers/",
        {"full_name": "王建国", "nationality": "CN", "id_number": "E98765432", "phone": "+86 771 123 4567"},
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert Driver.objects.get(pk=response.json()["id"]).id_number == "E98765432"


def test_operator_changes_the_company_tax_code_only_to_a_valid_one(api_client, owner, company):
    client = _as(api_client, owner)

    bad = client.patch(f"/api/v1/companies/{company.pk}/", {"tax_code": "12345"}, format="json")
    good = client.patch(f"/api/v1/companies/{company.pk}/", {"tax_code": "4900111222-001"}, format="json")

    assert bad.status_code == 400 and "tax_code" in bad.json()["detail"]
    assert good.status_code == 200
    company.refresh_from_db()
    assert company.tax_code == "4900111222-001"


def test_a_member_cannot_register_a_second_company(api_client, owner):
    response = _as(api_client, owner).post(
        "/api/v1/companies/", {"name": "Another", "tax_code": "4900999888"}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["code"] == "conflict"


def test_a_stranger_registers_a_company_and_then_manages_vehicles(api_client, stranger):
    client = _as(api_client, stranger)

    created = client.post(
        "/api/v1/companies/", {"name": "HTX Vận tải Lộc Bình", "tax_code": "4900555666"}, format="json"
    )
    vehicle = client.post("/api/v1/vehicles/", {"plate": "12C-555.66"}, format="json")

    assert created.status_code == 201
    assert vehicle.status_code == 201
    assert Vehicle.objects.get(pk=vehicle.json()["id"]).company.tax_code == "4900555666"


def test_companies_cannot_be_deleted_through_the_api(api_client, owner, company):
    response = _as(api_client, owner).delete(f"/api/v1/companies/{company.pk}/")

    assert response.status_code == 405
    assert Company.objects.filter(pk=company.pk).exists()


def test_vehicle_on_a_declaration_cannot_be_deleted(api_client, owner, company):
    declaration = factories.DeclarationFactory(company=company)

    response = _as(api_client, owner).delete(f"/api/v1/vehicles/{declaration.vehicle.pk}/")

    assert response.status_code == 409
    assert response.json()["code"] == "in_use"


def test_token_authentication_works_for_the_registries(api_client, owner, vehicle):
    token = api_client.post(
        "/api/v1/auth/token/", {"username": owner.username, "password": "pass12345!"}
    ).json()
    assert Token.objects.filter(key=token["token"]).exists()

    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token['token']}")
    response = api_client.get("/api/v1/vehicles/")

    assert [v["plate"] for v in response.json()["results"]] == ["12C-123.45"]


# --- Isolation -----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["vehicles", "drivers", "companies"])
def test_lists_show_only_the_callers_company(api_client, owner, other_owner, company, other_company, kind):
    factories.VehicleFactory(company=company)
    factories.VehicleFactory(company=other_company)
    factories.DriverFactory(company=company)
    factories.DriverFactory(company=other_company)

    mine = _as(api_client, owner).get(f"/api/v1/{kind}/").json()["results"]

    model = {"vehicles": Vehicle, "drivers": Driver, "companies": Company}[kind]
    own_ids = set(
        model.objects.filter(
            **({"pk": company.pk} if kind == "companies" else {"company": company})
        ).values_list("pk", flat=True)
    )
    assert {row["id"] for row in mine} == own_ids


def _detail_url(kind, company, vehicle, driver):  # type: ignore[no-untyped-def]
    pk = {"vehicles": vehicle.pk, "drivers": driver.pk, "companies": company.pk}[kind]
    return f"/api/v1/{kind}/{pk}/"


@pytest.mark.parametrize("kind", ["vehicles", "drivers", "companies"])
@pytest.mark.parametrize("persona", ["other_owner", "stranger"])
def test_another_companys_object_is_not_found_for_read_update_and_delete(
    api_client, request, company, vehicle, driver, kind, persona
):
    client = _as(api_client, request.getfixturevalue(persona))
    url = _detail_url(kind, company, vehicle, driver)

    assert client.get(url).status_code == 404
    assert client.patch(url, {"phone": "0912000111"}, format="json").status_code == 404
    assert client.put(url, {"name": "x", "plate": "12C-999.99"}, format="json").status_code == 404
    if kind != "companies":
        assert client.delete(url).status_code == 404
    vehicle.refresh_from_db()
    driver.refresh_from_db()
    company.refresh_from_db()
    assert vehicle.plate == "12C-123.45" and Vehicle.objects.filter(pk=vehicle.pk).exists()
    assert Driver.objects.filter(pk=driver.pk).exists() and driver.phone != "0912000111"
    assert company.name != "x"


@pytest.mark.parametrize("kind", ["vehicles", "drivers", "companies"])
def test_owner_reads_updates_and_deletes_their_own(api_client, owner, company, vehicle, driver, kind):
    client = _as(api_client, owner)
    url = _detail_url(kind, company, vehicle, driver)
    model = {"vehicles": Vehicle, "drivers": Driver, "companies": Company}[kind]
    pk = int(url.rstrip("/").rsplit("/", 1)[1])
    field, value = ("kind", "van") if kind == "vehicles" else ("phone", "0912000111")
    assert getattr(model.objects.get(pk=pk), field) != value

    response = client.get(url)
    assert response.status_code == 200 and response.json()["id"] == pk
    response = client.patch(url, {field: value}, format="json")
    assert response.status_code == 200 and response.json()[field] == value
    assert getattr(model.objects.get(pk=pk), field) == value  # stored, not only answered
    assert client.get(url).json()[field] == value
    if kind != "companies":
        assert client.delete(url).status_code == 204
        assert not model.objects.filter(pk=pk).exists()
        assert client.get(url).status_code == 404


@pytest.mark.parametrize("kind", ["vehicles", "drivers", "companies"])
def test_anonymous_gets_401(api_client, company, vehicle, driver, kind):
    assert api_client.get(f"/api/v1/{kind}/").status_code == 401
    assert api_client.get(_detail_url(kind, company, vehicle, driver)).status_code == 401
    assert api_client.post(f"/api/v1/{kind}/", {}, format="json").status_code == 401


@pytest.mark.parametrize("kind", ["vehicles", "drivers"])
def test_stranger_sees_empty_lists_and_may_not_create(api_client, stranger, vehicle, driver, kind):
    client = _as(api_client, stranger)

    assert client.get(f"/api/v1/{kind}/").json()["results"] == []
    response = client.post(f"/api/v1/{kind}/", {"plate": "12C-777.77"}, format="json")
    assert response.status_code == 403
    assert "company" in response.json()["detail"]


def test_officer_sees_no_company_registries_through_the_operator_api(api_client, customs_officer, vehicle):
    client = _as(api_client, customs_officer)

    assert client.get("/api/v1/vehicles/").json()["results"] == []
    assert client.get(f"/api/v1/vehicles/{vehicle.pk}/").status_code == 404
    assert (
        client.post("/api/v1/companies/", {"name": "X", "tax_code": "4900123123"}, format="json").status_code
        == 403
    )


def test_unknown_id_is_404(api_client, owner):
    assert _as(api_client, owner).get("/api/v1/vehicles/999999/").status_code == 404


def test_wrong_method_on_a_list_is_405(api_client, owner):
    assert _as(api_client, owner).delete("/api/v1/vehicles/").status_code == 405
