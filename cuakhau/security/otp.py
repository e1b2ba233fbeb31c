"""Optional TOTP second factor (django-otp) for officers, managers and admins. With OTP_REQUIRED on:

1. the admin's login asks for the code of the user's TOTP device, and the admin refuses a
   session that was not verified by one (SecondFactorAdminSite);
2. any other page or API call in a session of an officer, manager or admin not verified by a
   device is sent to that login (pages) or refused with 403 (API) (RequireSecondFactorMiddleware);
3. the token endpoint asks them for `otp_token` with the password (cuakhau/api_urls.py).

Devices are created by a superuser in the admin ("TOTP devices", with a QR code to scan). Gate
staff (kiosk) and operators are not asked."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.admin import AdminSite
from django.contrib.admin.forms import AdminAuthenticationForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django_otp import match_token
from django_otp.admin import OTPAdminAuthenticationForm, OTPAdminSite

from cuakhau.accounts.roles import Role, user_has_role

SECOND_FACTOR_ROLES = (Role.CUSTOMS, Role.BORDER_GUARD, Role.QUARANTINE, Role.GATE_MANAGER)
# Where an unverified session may still go: the login that asks for the code, logging out.
_OPEN_PATHS = ("/admin/", "/accounts/logout/", "/static/", "/i18n/", "/healthz")


def needs_second_factor(user: Any) -> bool:
    if not settings.OTP_REQUIRED or not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser) or any(user_has_role(user, role) for role in SECOND_FACTOR_ROLES)


def second_factor_ok(user: Any, token: Any) -> bool:
    """For the token endpoint: True when no code is needed or `token` is a valid one."""
    return not needs_second_factor(user) or bool(token and match_token(user, str(token)))


class SecondFactorAdminSite(OTPAdminSite):
    """The project's admin site: OTPAdminSite when OTP_REQUIRED, Django's own otherwise (the
    setting is read on each request, so a test or an operator can switch it)."""

    @property
    def login_form(self) -> Any:
        return OTPAdminAuthenticationForm if settings.OTP_REQUIRED else AdminAuthenticationForm

    @property
    def login_template(self) -> Any:
        return OTPAdminSite.login_template if settings.OTP_REQUIRED else None

    def has_permission(self, request: HttpRequest) -> bool:
        if settings.OTP_REQUIRED:
            return super().has_permission(request)
        return AdminSite.has_permission(self, request)


def use_second_factor_admin(site: AdminSite) -> None:
    site.__class__ = SecondFactorAdminSite


class RequireSecondFactorMiddleware:
    """Rule 2 of the module docstring; after django-otp's OTPMiddleware."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        path = request.path_info
        # OTPMiddleware (before this one) gives request.user is_verified(); the stubs cannot know.
        if needs_second_factor(user) and not user.is_verified() and not path.startswith(_OPEN_PATHS):  # type: ignore[union-attr]
            if path.startswith("/api/"):
                message = _("A second-factor code is required: log in to the admin with your device.")
                return JsonResponse({"code": "second_factor_required", "detail": message}, status=403)
            return HttpResponseRedirect("/admin/login/?" + urlencode({"next": request.get_full_path()}))
        return self.get_response(request)
