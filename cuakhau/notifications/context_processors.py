from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def unread_count(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def count() -> int:
        from .selectors import unread_count_for

        return unread_count_for(user)

    return {"unread_notifications": count}
