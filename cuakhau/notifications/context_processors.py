from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .selectors import unread_count_for


def unread_count(request: HttpRequest) -> dict[str, Any]:
    """`unread_notifications`: a callable, so pages that never show the badge run no query, and
    memoised, so a template that tests and prints it runs one."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    cache: list[int] = []

    def count() -> int:
        if not cache:
            cache.append(unread_count_for(user))
        return cache[0]

    return {"unread_notifications": count}
