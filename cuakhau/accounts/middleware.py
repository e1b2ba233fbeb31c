"""Use the language a signed-in user chose, unless the request picked one explicitly."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation


class UserLanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        explicit = "django_language" in request.COOKIES or request.GET.get("lang")
        if request.GET.get("lang") in {code for code, _name in _languages()}:
            translation.activate(request.GET["lang"])
            request.LANGUAGE_CODE = translation.get_language()
        elif user is not None and user.is_authenticated and not explicit:
            language = getattr(getattr(user, "profile", None), "language", None)
            if language:
                translation.activate(language)
                request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)


def _languages() -> list[tuple[str, Any]]:
    return list(settings.LANGUAGES)
