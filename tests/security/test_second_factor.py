"""Optional TOTP second factor for the admin (officers, managers, admins), required when
OTP_REQUIRED is on."""

from __future__ import annotations

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from cuakhau.accounts.roles import Agency, Role
from tests import factories


@pytest.fixture
def officer_with_device(db):  # type: ignore[no-untyped-def]
    officer = factories.staff_user(Role.CUSTOMS, Agency.CUSTOMS)
    device = TOTPDevice.objects.create(user=officer, name="phone", confirmed=True)
    return officer, device


def _login(client, user, **extra):  # type: ignore[no-untyped-def]
    return client.post(
        "/admin/login/?next=/admin/", {"username": user.username, "password": "pass12345!", **extra}
    )


def test_without_the_setting_a_password_opens_the_admin(client, officer_with_device, settings):
    settings.OTP_REQUIRED = False
    officer, _device = officer_with_device

    assert _login(client, officer).status_code == 302
    assert client.get("/admin/").status_code == 200


def test_with_the_setting_a_password_alone_does_not_open_the_admin(client, officer_with_device, settings):
    settings.OTP_REQUIRED = True
    officer, _device = officer_with_device

    response = _login(client, officer)

    assert response.status_code == 200  # the login form again, asking for the code
    assert client.get("/admin/").status_code == 302


def test_with_the_setting_the_right_code_opens_the_admin(client, officer_with_device, settings):
    settings.OTP_REQUIRED = True
    officer, device = officer_with_device
    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):0{device.digits}d}"

    response = _login(client, officer, otp_device=device.persistent_id, otp_token=code)

    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_a_session_opened_before_the_setting_is_refused_after(client, officer_with_device, settings):
    settings.OTP_REQUIRED = False
    officer, _device = officer_with_device
    client.force_login(officer)
    settings.OTP_REQUIRED = True

    assert client.get("/admin/").status_code == 302


def _code(device) -> str:  # type: ignore[no-untyped-def]
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):0{device.digits}d}"


def test_with_the_setting_an_unverified_officer_session_reaches_neither_pages_nor_the_api(
    client, officer_with_device, settings
):
    settings.OTP_REQUIRED = True
    officer, _device = officer_with_device
    client.force_login(officer)

    page = client.get("/dashboard/")
    api = client.get("/api/v1/reviews/")

    assert page.status_code == 302
    assert page["Location"].startswith("/admin/login/?next=%2Fdashboard%2F")
    assert api.status_code == 403
    assert api.json()["code"] == "second_factor_required"


def test_with_the_setting_a_verified_officer_reaches_the_api(client, officer_with_device, settings):
    settings.OTP_REQUIRED = True
    officer, device = officer_with_device
    _login(client, officer, otp_device=device.persistent_id, otp_token=_code(device))

    assert client.get("/api/v1/reviews/").status_code == 200


@pytest.mark.django_db
def test_with_the_setting_gate_staff_and_operators_are_not_asked(client, settings):
    settings.OTP_REQUIRED = True
    client.force_login(factories.staff_user(Role.GATE_STAFF, gates=["HUU_NGHI"]))
    assert client.get("/kiosk/HUU_NGHI/").status_code == 200

    client.force_login(factories.operator_user())
    assert client.get("/portal/").status_code == 200


def test_with_the_setting_an_officer_needs_the_code_for_an_api_token(
    api_client, officer_with_device, settings
):
    settings.OTP_REQUIRED = True
    officer, device = officer_with_device
    credentials = {"username": officer.username, "password": "pass12345!"}

    without = api_client.post("/api/v1/auth/token/", credentials)
    right = api_client.post("/api/v1/auth/token/", {**credentials, "otp_token": _code(device)})
    # (django-otp slows a device down after a wrong code, so the wrong one comes last)
    wrong = api_client.post("/api/v1/auth/token/", {**credentials, "otp_token": "000000"})

    assert without.status_code == 400 and "otp_token" in without.json()["detail"]
    assert wrong.status_code == 400
    assert right.status_code == 200 and right.json()["token"]


@pytest.mark.django_db
def test_with_the_setting_an_operator_gets_a_token_with_the_password_alone(api_client, settings):
    settings.OTP_REQUIRED = True
    operator = factories.operator_user()

    response = api_client.post(
        "/api/v1/auth/token/", {"username": operator.username, "password": "pass12345!"}
    )

    assert response.status_code == 200
