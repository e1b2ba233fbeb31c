"""Admins of the libraries (roles, API tokens, lockouts, second-factor devices, the change log)
re-registered on ScopedAdmin, so every page of the admin goes through the one scope rule.

The change log (django-auditlog) is readable by managers for the objects of their gates, and
by superusers; nobody edits it. The rest is for superusers only.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .admin_scope import SUPERUSER_ONLY, Scope, ScopedAdmin

# app_label.model → its scope; everything of these apps that is registered is re-registered.
_LIBRARY_SCOPES: dict[str, Scope] = {
    "auditlog.logentry": Scope(generic=("content_type", "object_id")),
}
_LIBRARY_APPS = {"auth", "authtoken", "axes", "otp_totp", "auditlog"}


def _rescope_library_admins() -> None:
    for model, model_admin in list(admin.site._registry.items()):
        if isinstance(model_admin, ScopedAdmin) or model._meta.app_label not in _LIBRARY_APPS:
            continue
        scope = _LIBRARY_SCOPES.get(model._meta.label_lower, SUPERUSER_ONLY)
        scoped = type(
            f"Scoped{type(model_admin).__name__}", (ScopedAdmin, type(model_admin)), {"admin_scope": scope}
        )
        if model._meta.label_lower == "auditlog.logentry":
            # Append-only: reading only, whatever the library's admin would allow.
            scoped.has_add_permission = lambda self, request, obj=None: False  # type: ignore[method-assign]
            scoped.has_change_permission = _no  # type: ignore[method-assign]
            scoped.has_delete_permission = _no  # type: ignore[method-assign]
        admin.site.unregister(model)
        admin.site.register(model, scoped)


def _no(self: Any, request: HttpRequest, obj: Any = None) -> bool:
    return False


_rescope_library_admins()
