"""The 403, 404 and 500 pages: styled, in the reader's language, pointing to where their work is.

Wired in `cuakhau/urls.py` (handler403/404/500). The API answers JSON errors on its own
(`cuakhau.errors.api_exception_handler`); these pages are for people in a browser. A 403 or 404
that is a service's refusal (`cuakhau.errors.DomainErrorMiddleware`) says why, in its words.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader

from cuakhau.errors import refusal_reason

from .portal import work_home


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    context = {"work": work_home(request.user), "reason": refusal_reason(exception)}
    return render(request, "403.html", context, status=403)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    context = {"work": work_home(request.user), "reason": refusal_reason(exception)}
    return render(request, "404.html", context, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # No context processors and no database: the error may be the database itself.
    return HttpResponseServerError(loader.get_template("500.html").render({}))
