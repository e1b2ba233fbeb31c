"""One domain error for the whole project, and its mapping to API responses.

Services raise `DomainError` subclasses; the API answers `{"code", "detail"}` with the error's
status, the portal and the admin show `detail` as a message. Nothing is half-applied because
services raise inside `transaction.atomic()`.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
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


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Every API error as `{"code": ..., "detail": ...}` with the right status."""
    if isinstance(exc, DomainError):
        detail = exc.detail
        if isinstance(detail, DjangoValidationError):
            detail = _validation_detail(detail)
        return Response({"code": exc.code, "detail": _plain(detail)}, status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        return Response(
            {"code": "invalid", "detail": _validation_detail(exc)}, status=status.HTTP_400_BAD_REQUEST
        )
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
