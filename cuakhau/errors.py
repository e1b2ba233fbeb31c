"""One domain error for the whole project, and its two mappings: to API responses and to pages.

Services raise `DomainError` subclasses (or Django's `ValidationError` for field errors). Nothing
is half-applied because services raise inside `transaction.atomic()`. The status is the error's:

| error | status | API (`api_exception_handler`) | page |
| --- | --- | --- | --- |
| `NotFound` | 404 | `{"code", "detail"}` | the 404 page, with the detail (`DomainErrorMiddleware`) |
| `NotAllowed` | 403 | `{"code", "detail"}` | the 403 page, with the detail (`DomainErrorMiddleware`) |
| `Conflict` | 409 | `{"code", "detail"}` | inside `page_errors`: a message, or the form again with the error on it (status 409) |
| `DomainError`, `ValidationError` | 400 | `{"code", "detail"}` | the same as 409, status 400 |

A page view runs its service call inside `with page_errors(request[, form]):` — the one catch of
the portal: a refusal becomes a message on the next page (an action button) or an error on the
form, which keeps what the person typed (a form page). `NotFound` and `NotAllowed` are never
caught there: `DomainErrorMiddleware` turns them into the 404 and 403 pages wherever they come
from (a fetch-and-authorise selector, a service), and answers any other refusal that escaped a
page with its status and its text. The words are the error's `detail`, in the person's language
(`error_text`); the admin shows the same words (`error_text`) beside the row it was acting on.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler


class DomainError(Exception):
    """A rule of the domain said no. `code` is stable, `detail` is for people."""

    status_code: int = status.HTTP_400_BAD_REQUEST
    code = "invalid"

    def __init__(self, detail: Any = "", *, code: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        if code:
            self.code = code

    def __str__(self) -> str:
        return str(self.detail)


class Conflict(DomainError):
    """An illegal transition, a full slot, a concurrent change: 409."""

    status_code = status.HTTP_409_CONFLICT
    code = "conflict"


class NotAllowed(DomainError):
    status_code = status.HTTP_403_FORBIDDEN
    code = "permission_denied"


class NotFound(DomainError):
    status_code = status.HTTP_404_NOT_FOUND
    code = "not_found"


def _validation_detail(exc: DjangoValidationError) -> Any:
    if hasattr(exc, "error_dict"):
        return {field: [str(m) for e in errs for m in e.messages] for field, errs in exc.error_dict.items()}
    return [str(m) for m in exc.messages]


ViewFunc = TypeVar("ViewFunc", bound=Callable[..., Any])

# A service's refusal, as pages and the API handle it.
Refusal = DomainError | DjangoValidationError


def error_status(exc: Refusal) -> int:
    return exc.status_code if isinstance(exc, DomainError) else status.HTTP_400_BAD_REQUEST


def error_body(exc: Refusal) -> dict[str, Any]:
    """`{"code", "detail"}`: the API's answer to a refusal (`detail` per field for field errors)."""
    if isinstance(exc, DjangoValidationError):
        return {"code": "invalid", "detail": _validation_detail(exc)}
    detail = exc.detail
    if isinstance(detail, DjangoValidationError):
        detail = _validation_detail(detail)
    return {"code": exc.code, "detail": _plain(detail)}


def error_text(exc: Refusal) -> str:
    """The refusal in words for a person (the API's `detail`, fields' messages joined)."""
    return " ".join(_words(error_body(exc)["detail"]))


def _words(detail: Any) -> list[str]:
    if isinstance(detail, dict):
        return [w for v in detail.values() for w in _words(v)]
    if isinstance(detail, list):
        return [w for v in detail for w in _words(v)]
    return [str(detail)] if detail != "" else []


def _field_errors(exc: Refusal) -> dict[str | None, list[str]]:
    """A refusal's messages by form field (None: the form as a whole)."""
    detail = error_body(exc)["detail"]
    if isinstance(detail, dict):
        return {None if k in ("__all__", "non_field_errors") else k: _words(v) for k, v in detail.items()}
    return {None: _words(detail)}


# --- pages ------------------------------------------------------------------------------------
class PageErrors:
    """The one catch of a page: `with page_errors(request[, form]):` around the service call.

    A `DomainError` or `ValidationError` raised inside is shown to the person and the block is
    left: with a `form`, on the form (field errors beside their fields, the rest above; what
    they typed stays), and `status` becomes the error's, for the re-rendered page; without one,
    as an error message on the next page (the view then redirects as it would anyway).
    `NotFound` and `NotAllowed` go on to `DomainErrorMiddleware` (404 and 403 pages).
    """

    def __init__(
        self, request: HttpRequest, form: Any = None, *, rename: dict[str, str] | None = None
    ) -> None:
        self.request = request
        self.form = form
        self.rename = rename or {}
        self.error: Refusal | None = None
        self.status: int = status.HTTP_200_OK

    def __enter__(self) -> PageErrors:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> bool:
        if not isinstance(exc, DomainError | DjangoValidationError) or isinstance(exc, NotFound | NotAllowed):
            return False
        self.error, self.status = exc, error_status(exc)
        if self.form is None:
            messages.error(self.request, error_text(exc))
            return True
        for field, words in _field_errors(exc).items():
            name = self.rename.get(field, field) if field else None
            self.form.add_error(name if name in self.form.fields else None, words)
        return True


def page_errors(
    request: HttpRequest, form: Any = None, *, rename: dict[str, str] | None = None
) -> PageErrors:
    """`with page_errors(request):` (a message), or `shown = page_errors(request, form)`,
    `with shown:` and render the form with `status=shown.status`. `rename`: a service's field
    name → the form's."""
    return PageErrors(request, form, rename=rename)


class DomainErrorMiddleware:
    """Pages: a refusal that left a view becomes its status page, with its words.

    `NotFound` → the 404 page and `NotAllowed` → the 403 page (Django's handler404/handler403,
    which show `refusal_reason`); any other refusal → `errors/refused.html` with its status
    (400, 409). A page endpoint that a script calls (`@refusals_as_json`) answers the API's
    body instead. The API never gets here: DRF answers through `api_exception_handler`.
    """

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view: Any, args: Any, kwargs: Any) -> None:
        request.refusals_as_json = getattr(view, "refusals_as_json", False)  # type: ignore[attr-defined]

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, DomainError) and getattr(request, "refusals_as_json", False):
            return JsonResponse(error_body(exception), status=exception.status_code)
        if isinstance(exception, NotFound):
            raise Http404(exception) from exception
        if isinstance(exception, NotAllowed):
            raise DjangoPermissionDenied(exception) from exception
        if isinstance(exception, DomainError):
            context = {"reason": error_text(exception), "status": exception.status_code}
            return render(request, "errors/refused.html", context, status=exception.status_code)
        return None


def refusals_as_json(view: ViewFunc) -> ViewFunc:
    """Mark a page endpoint that a script calls (it answers a fragment or JSON): a refusal that
    leaves it is answered like the API, `{"code", "detail"}` with its status."""
    view.refusals_as_json = True  # type: ignore[attr-defined]
    return view


def refusal_reason(exception: BaseException | None) -> str:
    """The words of the refusal behind a 403/404 (`DomainErrorMiddleware`), or "" for any other
    404 or 403 (whose text is for developers, not people)."""
    cause = exception.args[0] if exception is not None and exception.args else None
    return error_text(cause) if isinstance(cause, DomainError) else ""


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Every API error as `{"code": ..., "detail": ...}` with the right status."""
    if isinstance(exc, DomainError | DjangoValidationError):
        return Response(error_body(exc), status=error_status(exc))
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.APIException):
        code = exc.get_codes()
        if not isinstance(code, str):
            code = "invalid"
        data = response.data
        detail = data.get("detail", data) if isinstance(data, dict) and set(data) == {"detail"} else data
        response.data = {"code": code, "detail": detail}
    return response


def _plain(detail: Any) -> Any:
    if isinstance(detail, dict):
        return {k: _plain(v) for k, v in detail.items()}
    if isinstance(detail, list | tuple):
        return [_plain(v) for v in detail]
    return str(detail) if detail is not None else ""
