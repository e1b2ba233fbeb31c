"""Request guards that run before any view (docs/security.md).

- ClientAddressMiddleware: REMOTE_ADDR becomes the client's address (clientip.py); the
  X-Forwarded-For header is then removed so no later code believes it.
- HostileInputMiddleware: a NUL or other control character in the path or a query parameter
  is a 400 with a clear message, never a database error.
- PermissionsPolicyMiddleware: the Permissions-Policy header on every response.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext as _

from .clientip import resolve_client_address

# C0 controls and DEL. Tab, newline and carriage return are allowed in query values only.
_CONTROL_IN_PATH = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_IN_QUERY = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

Handler = Callable[[HttpRequest], HttpResponse]


class ClientAddressMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        meta = request.META
        meta["REMOTE_ADDR"] = resolve_client_address(meta, settings.TRUSTED_PROXY_COUNT)
        meta.pop("HTTP_X_FORWARDED_FOR", None)
        return self.get_response(request)


def bad_request(request: HttpRequest, message: str, code: str = "invalid") -> HttpResponse:
    """400 as the API's {code, detail} under /api/, plain text elsewhere."""
    if request.path_info.startswith("/api/"):
        return JsonResponse({"code": code, "detail": message}, status=400)
    return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


class HostileInputMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _CONTROL_IN_PATH.search(request.path_info):
            return bad_request(request, _("The address contains a control character (such as NUL)."))
        try:
            pairs = [(key, value) for key in request.GET for value in request.GET.getlist(key)]
        except Exception:  # a query string Django cannot split (too many fields…)
            return bad_request(request, _("The query string cannot be read."))
        for key, value in pairs:
            if _CONTROL_IN_QUERY.search(key) or _CONTROL_IN_QUERY.search(value):
                return bad_request(
                    request,
                    _("The parameter %(name)s contains a control character (such as NUL).")
                    % {"name": _CONTROL_IN_QUERY.sub("?", key)[:40]},
                )
        return self.get_response(request)


class PermissionsPolicyMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response
