"""Portal pages of the registries: sign-up, isolation between companies, languages."""

from __future__ import annotations

import pytest
from django.conf import settings

from cuakhau.accounts.models import Profile
from tests import factories
from vehicles.models import Company, Driver, Vehicle
from vehicles.portal import _sections, register_section

pytestmark = pytest.mark.django_db

SIGN_UP = {
    "company_name": "Công ty CP Xuất nhập khẩu Kỳ Lừa",
    "tax_code": "4900246810",
    "address": "Phường Kỳ Lừa, Lạng Sơn",
    "phone": "0205 3870 123",
    "username": "kylua",
    "email": "xnk@kylua.vn",
    "password1": "Cuakhau-2026!",
    "password2": "Cuakhau-2026!",
    "language": "en",
}


@pytest.fixture
def vehicle(company):  # type: ignore[no-untyped-def]
    return factories.VehicleFactory(company=company, plate="12C-123.45")


@pytest.fixture
def driver(company):  # type: ignore[no-untyped-def]
    return factories.DriverFactory(company=company, full_name="Nguyễn Thị Lan")


# --- Sign-up -------------------------------------------------------------------------------


def test_sign_up_registers_the_company_logs_in_and_lands_on_the_portal(client):
    response = client.post("/accounts/signup/", SIGN_UP)

    assert response.status_code == 302
    assert response["Location"] == "/portal/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    home = client.get("/portal/")
    assert "Công ty CP Xuất nhập khẩu Kỳ Lừa" in home.content.decode()
    assert Profile.objects.get(user__username="kylua").language == "en"


def test_sign_up_with_a_bad_tax_code_shows_the_error_beside_the_field(client):
    response = client.post("/accounts/signup/", {**SIGN_UP, "tax_code": "49002468"})

    assert response.status_code == 400  # the service refused: the form again, with the refusal's status
    page = response.content.decode()
    assert 'id="error-tax_code"' in page
    assert "10 digits" in page
    assert not Company.objects.exists()


def test_sign_up_errors_follow_the_language_of_the_page(client):
    # Django's own messages are translated already; ours will be once the catalogues exist.
    response = client.post("/accounts/signup/?lang=vi", {**SIGN_UP, "username": "", "language": "vi"})

    assert "Trường này là bắt buộc." in response.content.decode()


def test_sign_up_with_different_passwords_is_refused(client):
    response = client.post("/accounts/signup/", {**SIGN_UP, "password2": "something-else"})

    assert 'id="error-password2"' in response.content.decode()


def test_signed_in_user_visiting_sign_up_goes_to_the_portal(client, owner):
    client.force_login(owner)

    assert client.get("/accounts/signup/")["Location"] == "/portal/"


# --- Home ----------------------------------------------------------------------------------


def test_portal_home_needs_a_login(client):
    response = client.get("/portal/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_home_shows_the_company_and_counts(client, owner, company, vehicle, driver):
    client.force_login(owner)

    page = client.get("/portal/?lang=en").content.decode()

    assert company.name in page and company.tax_code in page
    assert "1 vehicle" in page and "1 driver" in page
    assert "/portal/declarations/" in page and "/portal/bookings/" in page


def test_an_officer_visiting_the_portal_is_sent_to_their_work_queue(client, customs_officer):
    client.force_login(customs_officer)

    response = client.get("/portal/")

    assert response.status_code == 302
    assert response["Location"] == "/admin/declarations/agencyreview/"


def test_user_without_company_is_invited_to_register_one(client, stranger):
    client.force_login(stranger)

    assert 'id="no-company"' in client.get("/portal/").content.decode()
    response = client.get("/portal/vehicles/")
    assert response["Location"] == "/portal/"


def test_stranger_registers_a_company_from_the_portal(client, stranger):
    client.force_login(stranger)

    response = client.post("/portal/company/", {"name": "Hộ kinh doanh Văn Lãng", "tax_code": "4900135790"})

    assert response.status_code == 302
    assert stranger.company_member.company.tax_code == "4900135790"


def test_sections_registered_by_higher_apps_appear_on_home(client, owner, tmp_path, settings):
    (tmp_path / "section.html").write_text("<p id='extra'>{{ section.count }} pending</p>")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    register_section(template="section.html", context=lambda request: {"count": 3}, order=1)
    try:
        client.force_login(owner)
        assert "<p id='extra'>3 pending</p>" in client.get("/portal/").content.decode()
    finally:
        _sections.unregister("section.html")


# --- Vehicles and drivers ------------------------------------------------------------------


def test_owner_adds_a_vehicle_typed_loosely_and_sees_it_listed_in_display_form(client, owner):
    client.force_login(owner)

    response = client.post(
        "/portal/vehicles/new/", {"plate": "12c 123 45", "kind": "truck", "max_gross_kg": "32000"}
    )

    assert response["Location"] == "/portal/vehicles/"
    page = client.get("/portal/vehicles/?lang=en").content.decode()
    assert "12C-123.45" in page
    assert "32,000 kg" in page


def test_vehicle_numbers_are_localised_in_vietnamese(client, owner, company):
    factories.VehicleFactory(company=company, max_gross_kg=32000)
    client.force_login(owner)

    page = client.get("/portal/vehicles/?lang=vi").content.decode()

    assert "32.000 kg" in page


def test_bad_plate_shows_the_parsers_message_on_the_plate_field(client, owner):
    client.force_login(owner)

    page = client.post("/portal/vehicles/new/", {"plate": "XYZ", "kind": "truck"}).content.decode()

    assert 'id="error-plate"' in page
    assert not Vehicle.objects.exists()


def test_vehicle_list_is_searchable_by_plate_typed_any_way(client, owner, company, vehicle):
    factories.VehicleFactory(company=company, plate="12C-999.88")
    client.force_login(owner)

    page = client.get("/portal/vehicles/", {"q": "12c 123"}).content.decode()

    assert "12C-123.45" in page and "12C-999.88" not in page


def test_vehicle_search_with_control_characters_is_refused_with_a_clear_message(client, owner, vehicle):
    # A NUL in a query string used to reach PostgreSQL, which refuses it (a server error); every
    # query parameter with a control character is now a 400 (cuakhau/security/middleware.py).
    client.force_login(owner)

    response = client.get("/portal/vehicles/", {"q": "12C\x00123"})

    assert response.status_code == 400
    assert "control character" in response.content.decode()


def test_owner_edits_and_deletes_a_driver(client, owner, driver):
    client.force_login(owner)

    edited = client.post(
        f"/portal/drivers/{driver.pk}/",
        {
            "full_name": "Nguyễn Thị Lan",
            "nationality": "VN",
            "id_number": "001199000111",
            "phone": "0912 345 678",
        },
    )
    driver.refresh_from_db()
    deleted = client.post(f"/portal/drivers/{driver.pk}/delete/")

    assert edited.status_code == 302 and driver.id_number == "001199000111"
    assert deleted.status_code == 302 and not Driver.objects.filter(pk=driver.pk).exists()


def test_a_refused_vehicle_edit_shows_the_error_and_keeps_the_stored_plate(client, owner, company, vehicle):
    factories.VehicleFactory(company=company, plate="12C-999.88")
    client.force_login(owner)

    response = client.post(f"/portal/vehicles/{vehicle.pk}/", {"plate": "12c 999 88", "kind": "truck"})

    assert response.status_code == 400
    assert "already registered" in str(response.context["form"].errors["plate"])
    assert response.context["vehicle"].plate == "12C-123.45"  # the heading names the stored plate
    vehicle.refresh_from_db()
    assert vehicle.plate == "12C-123.45"


@pytest.mark.parametrize(
    ("url", "question", "done"),
    [
        ("/portal/drivers/{driver}/delete/", "Delete this driver?", "Driver Nguyễn Thị Lan deleted."),
        ("/portal/vehicles/{vehicle}/delete/", "Delete this vehicle?", "Vehicle 12C-123.45 deleted."),
    ],
)
def test_delete_asks_first_then_deletes_and_says_so(client, owner, vehicle, driver, url, question, done):
    client.force_login(owner)
    url = url.format(driver=driver.pk, vehicle=vehicle.pk)

    asked = client.get(url)
    deleted = client.post(url, follow=True)

    assert question in asked.content.decode()
    assert [str(m) for m in deleted.context["messages"]] == [done]
    assert (
        not Driver.objects.filter(pk=driver.pk).exists() or not Vehicle.objects.filter(pk=vehicle.pk).exists()
    )


def test_deleting_a_vehicle_on_a_declaration_explains_why_not(client, owner, company):
    declaration = factories.DeclarationFactory(company=company)
    client.force_login(owner)

    response = client.post(f"/portal/vehicles/{declaration.vehicle.pk}/delete/", follow=True)

    assert Vehicle.objects.filter(pk=declaration.vehicle.pk).exists()
    assert len(list(response.context["messages"])) == 1


@pytest.mark.parametrize(
    "url",
    [
        "/portal/vehicles/{vehicle}/",
        "/portal/vehicles/{vehicle}/delete/",
        "/portal/drivers/{driver}/",
        "/portal/drivers/{driver}/delete/",
    ],
)
def test_another_companys_driver_or_vehicle_is_not_found(client, other_owner, vehicle, driver, url):
    client.force_login(other_owner)
    url = url.format(vehicle=vehicle.pk, driver=driver.pk)

    assert client.get(url).status_code == 404
    assert client.post(url, {"plate": "12C-000.01", "full_name": "x", "nationality": "VN"}).status_code == 404
    assert Vehicle.objects.filter(pk=vehicle.pk, plate="12C-123.45").exists()
    assert Driver.objects.filter(pk=driver.pk, full_name="Nguyễn Thị Lan").exists()


def test_lists_show_only_the_callers_company(client, owner, other_company, vehicle, driver):
    factories.VehicleFactory(company=other_company, plate="12C-777.77")
    factories.DriverFactory(company=other_company, full_name="Trần Văn Khác")
    client.force_login(owner)

    vehicles = client.get("/portal/vehicles/").content.decode()
    drivers = client.get("/portal/drivers/").content.decode()

    assert "12C-123.45" in vehicles and "12C-777.77" not in vehicles
    assert "Nguyễn Thị Lan" in drivers and "Trần Văn Khác" not in drivers


@pytest.mark.parametrize(
    "url", ["/portal/vehicles/", "/portal/drivers/", "/portal/company/", "/portal/profile/"]
)
def test_anonymous_is_sent_to_log_in(client, url):
    response = client.get(url)

    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


# --- Languages -----------------------------------------------------------------------------


def test_switching_language_is_remembered_in_the_profile(client, owner):
    client.force_login(owner)

    response = client.post("/portal/language/", {"language": "zh-hans", "next": "/portal/"})

    assert response.status_code == 302
    assert Profile.objects.get(user=owner).language == "zh-hans"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"


def test_anonymous_language_switch_sets_the_cookie(client):
    response = client.post("/portal/language/", {"language": "en", "next": "/accounts/login/"})

    assert response.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


def test_portal_speaks_the_profile_language_of_a_fresh_login(client, owner):
    Profile.objects.update_or_create(user=owner, defaults={"language": "en"})
    client.force_login(owner)

    assert '<html lang="en">' in client.get("/portal/").content.decode()


def test_profile_page_saves_language_and_channels(client, owner):
    client.force_login(owner)

    response = client.post(
        "/portal/profile/",
        {"language": "vi", "phone": "0912 345 678", "notify_email": "on", "notify_sms": "on"},
    )

    profile = Profile.objects.get(user=owner)
    assert response.status_code == 302
    assert (profile.language, profile.phone, profile.notify_email, profile.notify_sms) == (
        "vi",
        "0912 345 678",
        True,
        True,
    )


def test_sms_without_a_phone_is_refused_on_the_phone_field(client, owner):
    client.force_login(owner)

    page = client.post(
        "/portal/profile/", {"language": "vi", "phone": "", "notify_sms": "on"}
    ).content.decode()

    assert 'id="error-phone"' in page
