"""Admin of the capacity calendar (gate managers), bookings and the yard (read-only).

Managers see and edit only their own gates. Changes that affect bookings (closing a slot,
changing its capacity, an override on days that already have slots) go through the services,
which move or cancel the bookings and tell their owners; the admin never edits a state.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cuakhau.errors import DomainError
from vehicles.selectors import gate_ids_for_user, search_by_plate

from . import services
from .models import Booking, CapacityOverride, CapacityTemplate, PartnerAcceptance, Slot, WaitlistEntry


class GateScopedAdmin(admin.ModelAdmin):
    """Rows of the user's gates only; the gate picker offers only those gates."""

    gate_field = "gate"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(**{f"{self.gate_field}__in": gate_ids_for_user(request.user)})

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "gate" and not request.user.is_superuser:
            field.queryset = field.queryset.filter(pk__in=gate_ids_for_user(request.user))
        return field


@admin.register(CapacityTemplate)
class CapacityTemplateAdmin(GateScopedAdmin):
    list_display = ["gate", "direction", "weekday", "opens", "closes", "slot_minutes", "capacity"]
    list_filter = ["gate", "direction", "weekday"]
    list_editable = ["capacity"]


@admin.register(CapacityOverride)
class CapacityOverrideAdmin(GateScopedAdmin):
    list_display = ["gate", "date", "direction", "kind", "opens", "closes", "capacity", "reason"]
    list_filter = ["gate", "kind"]
    date_hierarchy = "date"

    def save_model(self, request: HttpRequest, obj: CapacityOverride, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        try:
            result = services.capacity_override_apply(override=obj, actor=request.user)
        except DomainError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return
        if any(result.values()):
            self.message_user(
                request,
                gettext(
                    "Applied to existing slots: %(closed)s closed, %(resized)s resized, %(created)s created."
                )
                % result,
            )


@admin.register(Slot)
class SlotAdmin(GateScopedAdmin):
    list_display = ["__str__", "gate", "direction", "start", "end", "capacity", "booked", "is_closed"]
    list_filter = ["gate", "direction", "is_closed"]
    date_hierarchy = "start"
    readonly_fields = ["booked"]
    actions = ["close_slots"]

    def save_model(self, request: HttpRequest, obj: Slot, form: Any, change: bool) -> None:
        if not change:
            super().save_model(request, obj, form, change)
            return
        before = Slot.objects.get(pk=obj.pk)
        try:
            if obj.capacity != before.capacity:
                result = services.slot_set_capacity(slot=before, capacity=obj.capacity, actor=request.user)
                self.message_user(
                    request, gettext("Capacity changed: %(moved)s moved, %(cancelled)s cancelled.") % result
                )
            if obj.is_closed and not before.is_closed:
                result = services.slot_close(slot=before, actor=request.user)
                self.message_user(
                    request, gettext("Slot closed: %(moved)s moved, %(cancelled)s cancelled.") % result
                )
            elif not obj.is_closed and before.is_closed:
                Slot.objects.filter(pk=obj.pk).update(is_closed=False)
        except DomainError as exc:
            self.message_user(request, str(exc), messages.ERROR)

    @admin.action(description=_("Close the selected slots (bookings are moved or cancelled)"))
    def close_slots(self, request: HttpRequest, queryset: QuerySet[Slot]) -> None:
        moved = cancelled = 0
        for slot in queryset:
            try:
                result = services.slot_close(slot=slot, actor=request.user)
            except DomainError as exc:  # each slot closes on its own; say which one refused
                self.message_user(request, f"{slot}: {exc}", messages.ERROR)
                continue
            moved += result["moved"]
            cancelled += result["cancelled"]
        self.message_user(
            request,
            gettext("Closed: %(moved)s moved, %(cancelled)s cancelled.")
            % {"moved": moved, "cancelled": cancelled},
        )


@admin.register(Booking)
class BookingAdmin(GateScopedAdmin):
    list_display = [
        "ticket",
        "state",
        "gate",
        "plate_canonical",
        "slot_start",
        "perishable",
        "checked_in_at",
        "called_at",
    ]
    list_filter = ["gate", "state", "perishable"]
    search_fields = ["ticket", "plate_canonical"]
    date_hierarchy = "slot_start"
    list_select_related = ["gate"]

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Booking], search_term: str
    ) -> tuple[QuerySet[Booking], bool]:
        """The plate as printed (29C-123.45, 桂A·12345) through the one plate parser."""
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        results |= search_by_plate(queryset, search_term, "plate_canonical")
        return results, may_have_duplicates

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(PartnerAcceptance)
class PartnerAcceptanceAdmin(GateScopedAdmin):
    list_display = ["gate", "date", "accepted", "note", "updated"]
    list_filter = ["gate"]
    date_hierarchy = "date"


@admin.register(WaitlistEntry)
class WaitlistEntryAdmin(GateScopedAdmin):
    gate_field = "slot__gate"
    list_display = ["slot", "declaration", "auto_book", "state", "created", "served_at"]
    list_filter = ["state", "slot__gate"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
