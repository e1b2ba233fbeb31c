"""Optional TOTP second factor (django-otp) for everyone who uses the admin: officers, managers
and admins. With OTP_REQUIRED on, the admin's login asks for the code of the user's TOTP device
and the admin refuses a session that was not verified by one. Devices are created by a
superuser in the admin ("TOTP devices", with a QR code to scan)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.admin import AdminSite
from django.contrib.admin.forms import AdminAuthenticationForm
from django.http import HttpRequest
from django_otp.admin import OTPAdminAuthenticationForm, OTPAdminSite


class SecondFactorAdminSite(OTPAdminSite):
    """The project's admin site: OTPAdminSite when OTP_REQUIRED, Django's own otherwise (the
    setting is read on each request, so a test or an operator can switch it)."""

    @property  # type: ignore[override]
    def login_form(self) -> Any:
        return OTPAdminAuthenticationForm if settings.OTP_REQUIRED else AdminAuthenticationForm

    @property  # type: ignore[override]
    def login_template(self) -> Any:
        return OTPAdminSite.login_template if settings.OTP_REQUIRED else None

    def has_permission(self, request: HttpRequest) -> bool:
        if settings.OTP_REQUIRED:
            return super().has_permission(request)
        return AdminSite.has_permission(self, request)


def use_second_factor_admin(site: AdminSite) -> None:
    site.__class__ = SecondFactorAdminSite
