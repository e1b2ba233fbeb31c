"""Admin: managers register devices (the key is shown once); gate events are read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from cuakhau.security.admin_scope import ReadOnlyAdmin, Scope, ScopedAdmin
from vehicles.models import Gate
from vehicles.selectors import gate_ids_for_user

from .models import Device, GateEvent
from .services import device_issue_key, device_rotate_key


@admin.register(Device)
class DeviceAdmin(ScopedAdmin, admin.ModelAdmin):
    admin_scope = Scope(gate="gate")
    list_display = ["__str__", "gate", "lane", "direction", "key_prefix", "is_active", "last_seen"]
    list_filter = ["gate", "is_active"]
    search_fields = ["name", "lane", "key_prefix"]
    readonly_fields = ["key_prefix", "last_seen", "created"]
    fields = ["gate", "lane", "name", "direction", "is_active", "key_prefix", "last_seen", "created"]
    actions = ["rotate_keys"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Device]:
        return super().get_queryset(request).filter(gate_id__in=gate_ids_for_user(request.user))

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "gate":
            kwargs["queryset"] = Gate.objects.filter(id__in=gate_ids_for_user(request.user))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Device, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        key = device_issue_key(device=obj)
        super().save_model(request, obj, form, change)
        self._show_key(request, obj, key)

    @admin.action(description=_("Issue a new key (the old one stops working)"))
    def rotate_keys(self, request: HttpRequest, queryset: QuerySet[Device]) -> None:
        for device in queryset:
            self._show_key(request, device, device_rotate_key(device=device))

    def _show_key(self, request: HttpRequest, device: Device, key: str) -> None:
        self.message_user(
            request,
            _("Key of %(device)s — copy it now, it is not shown again: %(key)s")
            % {"device": device, "key": key},
            level=messages.WARNING,
        )


@admin.register(GateEvent)
class GateEventAdmin(ReadOnlyAdmin, ScopedAdmin, admin.ModelAdmin):
    """Append-only: searchable and filterable, never added, changed or deleted here."""

    admin_scope = Scope(gate="gate")

    list_display = [
        "created",
        "gate",
        "lane",
        "kind",
        "plate_canonical",
        "ticket",
        "verdict",
        "reason_code",
        "action",
        "by",
        "booking",
    ]
    list_filter = ["gate", "verdict", "kind", "action", "reason_code"]
    search_fields = ["plate_canonical", "ticket", "raw"]
    date_hierarchy = "created"
    list_select_related = ["gate", "device", "staff", "booking"]
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[GateEvent]:
        # Staff and managers see the events of the gates they work at.
        return super().get_queryset(request).filter(gate_id__in=gate_ids_for_user(request.user))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in self.model._meta.fields]
