"""Registry services: sign-up, companies, drivers, vehicles — the rules and their messages."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError

from cuakhau.accounts.models import Profile
from cuakhau.accounts.roles import user_has_role
from cuakhau.errors import Conflict, NotAllowed
from tests import factories
from vehicles import services
from vehicles.models import Company, CompanyMember, Driver, Vehicle

pytestmark = pytest.mark.django_db


def _sign_up(**overrides):  # type: ignore[no-untyped-def]
    data = {
        "username": "nhaxe-ls",
        "password": "Cuakhau-2026!",
        "company_name": "Công ty TNHH Vận tải Đồng Đăng",
        "tax_code": "4900123456",
        "email": "ops@dongdang.vn",
        "address": "Đồng Đăng, Cao Lộc, Lạng Sơn",
        "phone": "0205 3851 234",
        "language": "zh-hans",
    }
    data.update(overrides)
    return services.company_sign_up(**data)


def _fields(excinfo: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return excinfo.value.message_dict


def test_sign_up_creates_an_operator_with_company_membership_and_profile():
    user = _sign_up()

    assert user_has_role(user, "operator")
    assert user.check_password("Cuakhau-2026!")
    member = CompanyMember.objects.get(user=user)
    assert member.company.tax_code == "4900123456"
    assert member.company.name == "Công ty TNHH Vận tải Đồng Đăng"
    assert Profile.objects.get(user=user).language == "zh-hans"


def test_sign_up_with_a_bad_tax_code_says_so_and_creates_nothing():
    with pytest.raises(ValidationError) as excinfo:
        _sign_up(tax_code="490012345")

    assert "tax_code" in _fields(excinfo)
    assert "10 digits" in _fields(excinfo)["tax_code"][0]
    assert not User.objects.filter(username="nhaxe-ls").exists()
    assert not Company.objects.exists()


def test_sign_up_accepts_a_branch_tax_code():
    user = _sign_up(tax_code="4900123456-002")

    assert user.company_member.company.tax_code == "4900123456-002"


def test_sign_up_with_a_registered_tax_code_says_it_is_taken():
    factories.CompanyFactory(tax_code="4900123456")

    with pytest.raises(ValidationError) as excinfo:
        _sign_up()

    assert _fields(excinfo)["tax_code"] == ["A company with tax code 4900123456 is already registered."]
    assert not User.objects.filter(username="nhaxe-ls").exists()


def test_sign_up_reports_every_problem_at_once():
    factories.UserFactory(username="nhaxe-ls")

    with pytest.raises(ValidationError) as excinfo:
        _sign_up(tax_code="abc", password="123", company_name="")

    assert {"tax_code", "username", "password", "company_name"} <= set(_fields(excinfo))


def test_company_update_keeps_its_own_tax_code_but_refuses_another_companys(company, other_company):
    services.company_update(
        company=company, data={"name": "  Hợp tác xã Tân Thanh ", "tax_code": company.tax_code}
    )
    company.refresh_from_db()
    assert company.name == "Hợp tác xã Tân Thanh"

    with pytest.raises(ValidationError) as excinfo:
        services.company_update(company=company, data={"tax_code": other_company.tax_code})
    assert "already registered" in _fields(excinfo)["tax_code"][0]


def test_company_create_for_user_refuses_a_second_company(owner):
    with pytest.raises(Conflict):
        services.company_create_for_user(user=owner, data={"name": "X", "tax_code": "4900999999"})


def test_company_create_for_user_refuses_officers(customs_officer):
    with pytest.raises(NotAllowed):
        services.company_create_for_user(user=customs_officer, data={"name": "X", "tax_code": "4900999999"})


def test_company_create_for_user_makes_a_stranger_its_operator(stranger):
    company = services.company_create_for_user(
        user=stranger, data={"name": "Hộ kinh doanh Lộc Bình", "tax_code": "4900777777"}
    )

    assert CompanyMember.objects.get(user=stranger).company == company
    assert stranger.groups.filter(name="operator").exists()


# --- Drivers -------------------------------------------------------------------------------


def test_vietnamese_driver_needs_a_twelve_digit_cccd(company):
    with pytest.raises(ValidationError) as excinfo:
        services.driver_create(
            company=company, full_name="Hoàng Văn Thụ", nationality="VN", id_number="B1234567"
        )

    assert "CCCD" in _fields(excinfo)["id_number"][0]


def test_chinese_driver_gives_a_passport_number(company):
    driver = services.driver_create(
        company=company, full_name="李伟", nationality="cn", id_number="e12345678", phone="+86 138 0013 8000"
    )

    assert driver.nationality == "CN"
    assert driver.id_number == "E12345678"


def test_chinese_driver_with_a_malformed_passport_is_refused(company):
    with pytest.raises(ValidationError) as excinfo:
        services.driver_create(company=company, full_name="李伟", nationality="CN", id_number="E 123")

    assert "passport" in _fields(excinfo)["id_number"][0]


def test_driver_nationality_must_be_a_country_code(company):
    with pytest.raises(ValidationError) as excinfo:
        services.driver_create(
            company=company, full_name="A", nationality="Vietnam", id_number="001099012345"
        )

    assert "nationality" in _fields(excinfo)


def test_driver_phone_is_validated(company):
    with pytest.raises(ValidationError) as excinfo:
        services.driver_create(
            company=company, full_name="A", nationality="VN", id_number="001099012345", phone="call me"
        )

    assert "phone" in _fields(excinfo)


def test_the_same_driver_twice_in_one_company_is_refused_with_a_message(company):
    services.driver_create(company=company, full_name="A", nationality="VN", id_number="001099012345")

    with pytest.raises(ValidationError) as excinfo:
        services.driver_create(company=company, full_name="B", nationality="VN", id_number="001099012345")

    assert _fields(excinfo)["id_number"] == ["Your company already has a driver with this identity number."]


def test_two_companies_may_employ_the_same_driver(company, other_company):
    services.driver_create(company=company, full_name="A", nationality="VN", id_number="001099012345")
    services.driver_create(company=other_company, full_name="A", nationality="VN", id_number="001099012345")

    assert Driver.objects.count() == 2


def test_driver_update_switching_to_chinese_nationality_checks_a_passport(company):
    driver = services.driver_create(
        company=company, full_name="A", nationality="VN", id_number="001099012345"
    )

    services.driver_update(driver=driver, data={"nationality": "CN", "id_number": "G12345678"})

    driver.refresh_from_db()
    assert (driver.nationality, driver.id_number) == ("CN", "G12345678")


def test_driver_used_by_a_declaration_cannot_be_deleted(company):
    declaration = factories.DeclarationFactory(company=company)

    with pytest.raises(Conflict):
        services.driver_delete(driver=declaration.driver)


# --- Vehicles ------------------------------------------------------------------------------


def test_vehicle_plate_is_stored_in_display_form_with_its_canonical_form(company):
    vehicle = services.vehicle_create(company=company, plate="12c 123 45", max_gross_kg=30000)

    vehicle.refresh_from_db()
    assert (vehicle.plate, vehicle.plate_canonical, vehicle.country) == ("12C-123.45", "12C12345", "VN")


def test_chinese_plate_infers_the_country_and_takes_a_middle_dot(company):
    vehicle = services.vehicle_create(company=company, plate="桂a12345", kind="container_tractor")

    assert (vehicle.plate, vehicle.plate_canonical, vehicle.country) == ("桂A·12345", "桂A12345", "CN")


def test_trailer_plate_is_parsed_too(company):
    vehicle = services.vehicle_create(company=company, plate="12C-123.45", trailer_plate="12r00123")

    assert vehicle.trailer_plate == "12R-001.23"
    assert vehicle.trailer_plate_canonical == "12R00123"


def test_bad_trailer_plate_is_reported_on_its_field(company):
    with pytest.raises(ValidationError) as excinfo:
        services.vehicle_create(company=company, plate="12C-123.45", trailer_plate="nonsense")

    assert set(_fields(excinfo)) == {"trailer_plate"}


def test_garbage_plate_is_refused_with_the_parsers_message(company):
    with pytest.raises(ValidationError) as excinfo:
        services.vehicle_create(company=company, plate="HELLO")

    assert _fields(excinfo)["plate"] == ["Not a Vietnamese plate: expected e.g. 12C-123.45."]
    assert not Vehicle.objects.exists()


def test_chinese_plate_declared_as_vietnamese_is_refused(company):
    with pytest.raises(ValidationError) as excinfo:
        services.vehicle_create(company=company, plate="桂A12345", country="VN")

    assert "plate" in _fields(excinfo)


def test_a_plate_already_registered_anywhere_is_refused_with_a_message(company, other_company):
    services.vehicle_create(company=company, plate="12C-123.45")

    with pytest.raises(ValidationError) as excinfo:
        services.vehicle_create(company=other_company, plate="12c12345")

    assert _fields(excinfo)["plate"] == ["A vehicle with plate 12C-123.45 is already registered."]


def test_vehicle_update_may_keep_its_own_plate_and_change_its_kind(company):
    vehicle = services.vehicle_create(company=company, plate="12C-123.45")

    services.vehicle_update(vehicle=vehicle, data={"plate": "12C 12345", "kind": "refrigerated"})

    vehicle.refresh_from_db()
    assert (vehicle.plate, vehicle.kind) == ("12C-123.45", "refrigerated")


def test_vehicle_update_to_a_taken_plate_is_refused(company):
    services.vehicle_create(company=company, plate="12C-123.45")
    other = services.vehicle_create(company=company, plate="12C-543.21")

    with pytest.raises(ValidationError) as excinfo:
        services.vehicle_update(vehicle=other, data={"plate": "12C-123.45"})

    assert "already registered" in _fields(excinfo)["plate"][0]
    other.refresh_from_db()
    assert other.plate == "12C-543.21"


def test_implausible_gross_weight_is_refused(company):
    with pytest.raises(ValidationError) as excinfo:
        services.vehicle_create(company=company, plate="12C-123.45", max_gross_kg=5)

    assert "max_gross_kg" in _fields(excinfo)


def test_vehicle_used_by_a_declaration_cannot_be_deleted(company):
    declaration = factories.DeclarationFactory(company=company)

    with pytest.raises(Conflict):
        services.vehicle_delete(vehicle=declaration.vehicle)
    assert Vehicle.objects.filter(pk=declaration.vehicle.pk).exists()


def test_free_vehicle_is_deleted(company):
    vehicle = services.vehicle_create(company=company, plate="12C-123.45")

    services.vehicle_delete(vehicle=vehicle)

    assert not Vehicle.objects.exists()
