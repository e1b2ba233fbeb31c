"""Scenarios in the admin: read-only, for superusers (managers make, run and read them at
/dashboard/simulations/, scoped to the gates they manage)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from cuakhau.security.admin_scope import SUPERUSER_ONLY, ScopedAdmin

from .models import Scenario


@admin.register(Scenario)
class ScenarioAdmin(ScopedAdmin, admin.ModelAdmin):
    admin_scope = SUPERUSER_ONLY
    list_display = ("id", "name", "gate", "state", "progress", "created", "finished_at")
    list_filter = ("gate", "state")
    search_fields = ("name",)
    fields = ("name", "gate", "params", "baseline", "state", "progress", "error", "created_by", "created",
              "started_at", "finished_at")  # fmt: skip
    readonly_fields = fields

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False
