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
