"""Request guards that run before any view (docs/security.md).

- ClientAddressMiddleware: REMOTE_ADDR becomes the client's address (clientip.py); the
  X-Forwarded-For header is then removed so no later code believes it.
- HostileInputMiddleware: a NUL or other control character in the path or a query parameter
  is a 400 with a clear message, never a database error.
- PermissionsPolicyMiddleware: the Permissions-Policy header on every response.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext as _

from .clientip import resolve_client_address
from .text import has_control, without_control

# Formset counts a browser sends back (Django does not bound them): beyond this, or negative,
# the request is refused before any form is built.
MAX_FORMSET_FORMS = 1000

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
        if has_control(request.path_info):
            return bad_request(request, _("The address contains a control character (such as NUL)."))
        try:
            pairs = [(key, value) for key in request.GET for value in request.GET.getlist(key)]
        except Exception:  # a query string Django cannot split (too many fields…)
            return bad_request(request, _("The query string cannot be read."))
        for key, value in pairs:
            if has_control(key, allow_whitespace=True) or has_control(value, allow_whitespace=True):
                return bad_request(
                    request,
                    _("The parameter %(name)s contains a control character (such as NUL).")
                    % {"name": without_control(key)[:40]},
                )
        problem = _formset_count_problem(request)
        if problem:
            return bad_request(request, problem)
        return self.get_response(request)


def _formset_count_problem(request: HttpRequest) -> str:
    """A formset's TOTAL_FORMS / INITIAL_FORMS must be whole numbers from 0 to MAX_FORMSET_FORMS:
    -1 would save a form with no rows (wiping them), 100000 would build forms for seconds.
    Portal and admin forms only: the API reads JSON, and its multipart bodies stay unread here."""
    if request.method != "POST" or request.path_info.startswith("/api/"):
        return ""
    if request.content_type not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return ""
    try:
        post = request.POST
    except Exception:  # too many fields, a broken multipart body: Django answers 400 itself
        return ""
    for key in post:
        if key.endswith(("-TOTAL_FORMS", "-INITIAL_FORMS")):
            value = post.get(key, "")
            if not value.strip().isdigit() or int(value) > MAX_FORMSET_FORMS:
                return _("The form count %(name)s must be a whole number from 0 to %(max)d.") % {
                    "name": without_control(key)[:60],
                    "max": MAX_FORMSET_FORMS,
                }
    return ""


class PermissionsPolicyMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response
