"""Answers of the login guards: a locked-out login, a throttled password reset."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from .throttles import SharedScopedRateThrottle


def _cooloff_minutes() -> int:
    return round(float(settings.AXES_COOLOFF_TIME) * 60)


def locked_out(request: HttpRequest, credentials: Any = None, *args: Any, **kwargs: Any) -> HttpResponse:
    """django-axes' lockout answer (AXES_LOCKOUT_CALLABLE): 429, JSON for the API."""
    message = _(
        "Too many failed logins for this account or from this address. Try again in %(minutes)d minutes."
    ) % {"minutes": _cooloff_minutes()}
    if request.path_info.startswith("/api/"):
        return JsonResponse({"code": "locked_out", "detail": message}, status=429)
    return render(request, "security/locked_out.html", {"message": message}, status=429)


class _ResetThrottle(SharedScopedRateThrottle):
    """The shared-cache throttle for a plain Django view (scope `password_reset`)."""

    part = ""

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        ident = self.ident(request)
        return self.cache_format % {"scope": f"{self.scope}_{self.part}", "ident": ident} if ident else None

    def ident(self, request: Any) -> str:  # pragma: no cover - overridden
        raise NotImplementedError


class ResetPerAddress(_ResetThrottle):
    part = "ip"

    def ident(self, request: Any) -> str:
        return self.get_ident(request)


class ResetPerEmail(_ResetThrottle):
    part = "email"

    def ident(self, request: Any) -> str:
        return str(request.POST.get("email", "")).strip().lower()[:254]


class ThrottledPasswordResetView(auth_views.PasswordResetView):
    """Django's password reset, limited per address and per e-mail (PASSWORD_RESET_THROTTLE)."""

    throttle_scope = "password_reset"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        for throttle in (ResetPerAddress(), ResetPerEmail()):
            if not throttle.allow_request(request, self):
                message = _("Too many password reset requests. Try again later.")
                return render(request, "security/locked_out.html", {"message": message}, status=429)
        return super().post(request, *args, **kwargs)
