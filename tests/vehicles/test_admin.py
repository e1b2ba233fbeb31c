"""Admin of the registries: search by plate however typed, by tax code and name; same rules as the portal."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from tests import factories
from vehicles.models import Gate, Vehicle

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_(client):  # type: ignore[no-untyped-def]
    client.force_login(User.objects.create_superuser("root", "root@example.vn", "x"))
    return client


@pytest.fixture
def fleet(company, other_company):  # type: ignore[no-untyped-def]
    return {
        "vn": factories.VehicleFactory(company=company, plate="12C-123.45"),
        "cn": factories.VehicleFactory(company=other_company, plate="桂A·12345", country="CN"),
        "other": factories.VehicleFactory(company=company, plate="29LD-012.34"),
    }


def _found(client, term: str) -> set[str]:  # type: ignore[no-untyped-def]
    response = client.get("/admin/vehicles/vehicle/", {"q": term})
    assert response.status_code == 200
    return {v.plate for v in response.context["cl"].result_list}


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("12C-123.45", {"12C-123.45"}),
        ("12c12345", {"12C-123.45"}),
        ("12c 123 45", {"12C-123.45"}),
        ("桂A12345", {"桂A·12345"}),
        ("桂a·12345", {"桂A·12345"}),
        ("29ld01234", {"29LD-012.34"}),
    ],
)
def test_vehicle_search_matches_the_plate_typed_any_way(admin_client_, fleet, term, expected):
    assert _found(admin_client_, term) == expected


def test_vehicle_search_by_company_tax_code_and_name(admin_client_, fleet, company):
    company.name = "Hợp tác xã Mẫu Sơn"
    company.save()

    assert _found(admin_client_, company.tax_code) == {"12C-123.45", "29LD-012.34"}
    assert _found(admin_client_, "Mẫu Sơn") == {"12C-123.45", "29LD-012.34"}


def test_company_search_by_tax_code(admin_client_, company, other_company):
    response = admin_client_.get("/admin/vehicles/company/", {"q": other_company.tax_code})

    assert list(response.context["cl"].result_list) == [other_company]


def test_driver_search_by_name(admin_client_, company):
    factories.DriverFactory(company=company, full_name="Hoàng Thị Mai")
    factories.DriverFactory(company=company, full_name="Lý Văn Phúc")

    response = admin_client_.get("/admin/vehicles/driver/", {"q": "Mai"})

    assert [d.full_name for d in response.context["cl"].result_list] == ["Hoàng Thị Mai"]


def test_admin_vehicle_form_parses_the_plate_and_refuses_a_taken_one(admin_client_, company, fleet):
    data = {
        "company": company.pk,
        "plate": "12c 543 21",
        "country": "VN",
        "kind": "truck",
        "trailer_plate": "",
    }

    created = admin_client_.post("/admin/vehicles/vehicle/add/", data)
    taken = admin_client_.post("/admin/vehicles/vehicle/add/", {**data, "plate": "12C 12345"})

    assert created.status_code == 302
    assert Vehicle.objects.filter(plate="12C-543.21", plate_canonical="12C54321").exists()
    assert taken.status_code == 200
    assert "already registered" in str(taken.context["adminform"].form.errors["plate"])


def test_admin_company_form_checks_the_tax_code(admin_client_):
    response = admin_client_.post(
        "/admin/vehicles/company/add/",
        {
            "name": "X",
            "tax_code": "12-34",
            "members-TOTAL_FORMS": "0",
            "members-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 200
    assert "tax_code" in response.context["adminform"].form.errors


def test_gate_manager_edits_the_gates_they_run(client):
    manager = factories.staff_user("gate_manager", gates=["HUU_NGHI"])
    client.force_login(manager)

    listing = client.get("/admin/vehicles/gate/")
    other = Gate.objects.get(code="CHI_MA")

    assert [g.code for g in listing.context["cl"].result_list] == ["HUU_NGHI"]
    assert client.get(f"/admin/vehicles/gate/{other.pk}/change/").status_code == 302  # not found → redirect


def test_user_list_shows_roles(admin_client_, customs_officer):
    page = admin_client_.get("/admin/auth/user/").content.decode()

    assert "customs" in page


def test_customs_officer_may_view_but_not_change_vehicles(client, customs_officer, fleet):
    client.force_login(customs_officer)

    assert client.get("/admin/vehicles/vehicle/").status_code == 200
    response = client.post(
        f"/admin/vehicles/vehicle/{fleet['vn'].pk}/change/",
        {"company": fleet["vn"].company_id, "plate": "12C-999.99", "country": "VN", "kind": "truck"},
    )
    assert response.status_code == 403
