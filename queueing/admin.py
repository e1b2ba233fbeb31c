"""Admin of the capacity calendar (gate managers), bookings and the yard (read-only).

Managers see and edit only their own gates. Changes that affect bookings (closing a slot,
changing its capacity, an override on days that already have slots) go through the services,
which move or cancel the bookings and tell their owners; the admin never edits a state.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cuakhau.errors import DomainError, error_text
from cuakhau.security.admin_scope import ReadOnlyAdmin, Scope, ScopedAdmin
from vehicles.selectors import search_by_plate

from . import services
from .models import Booking, CapacityOverride, CapacityTemplate, PartnerAcceptance, Slot, WaitlistEntry


class GateScopedAdmin(ScopedAdmin, admin.ModelAdmin):
    """Rows of the user's gates only; the gate picker offers only those gates."""

    admin_scope = Scope(gate="gate")


@admin.register(CapacityTemplate)
class CapacityTemplateAdmin(GateScopedAdmin):
    list_display = ["gate", "direction", "weekday", "opens", "closes", "slot_minutes", "capacity"]
    list_filter = ["gate", "direction", "weekday"]
    list_editable = ["capacity"]


class ServiceFormAdmin(GateScopedAdmin):
    """The save of the change form is one service call: a refusal (DomainError) undoes the
    whole save, the admin's transaction included, and comes back as a message on the form."""

    def changeform_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return super().changeform_view(request, *args, **kwargs)
        except DomainError as exc:
            self.message_user(
                request,
                gettext("Nothing was saved: %(reason)s") % {"reason": error_text(exc)},
                messages.ERROR,
            )
            return HttpResponseRedirect(request.get_full_path())


@admin.register(CapacityOverride)
class CapacityOverrideAdmin(ServiceFormAdmin):
    list_display = ["gate", "date", "direction", "kind", "opens", "closes", "capacity", "reason"]
    list_filter = ["gate", "kind"]
    date_hierarchy = "date"

    def save_model(self, request: HttpRequest, obj: CapacityOverride, form: Any, change: bool) -> None:
        result = services.capacity_override_save(override=obj, actor=request.user)
        if any(result.values()):
            self.message_user(
                request,
                gettext(
                    "Applied to existing slots: %(closed)s closed, %(resized)s resized, %(created)s created."
                )
                % result,
            )


@admin.register(Slot)
class SlotAdmin(ServiceFormAdmin):
    list_display = ["__str__", "gate", "direction", "start", "end", "capacity", "booked", "is_closed"]
    list_filter = ["gate", "direction", "is_closed"]
    date_hierarchy = "start"
    readonly_fields = ["booked"]
    actions = ["close_slots"]

    def save_model(self, request: HttpRequest, obj: Slot, form: Any, change: bool) -> None:
        if not change:
            super().save_model(request, obj, form, change)
            return
        data = form.cleaned_data
        result = services.slot_update(
            slot=obj,
            start=data["start"],
            end=data["end"],
            direction=data["direction"],
            capacity=data["capacity"],
            is_closed=data["is_closed"],
            actor=request.user,
        )
        if result["moved"] or result["cancelled"]:
            self.message_user(
                request, gettext("Bookings affected: %(moved)s moved, %(cancelled)s cancelled.") % result
            )
        if result["offered"]:
            self.message_user(
                request, gettext("Reopened: %(offered)s places offered to the waitlist.") % result
            )

    @admin.action(description=_("Close the selected slots (bookings are moved or cancelled)"))
    def close_slots(self, request: HttpRequest, queryset: QuerySet[Slot]) -> None:
        moved = cancelled = 0
        for slot in queryset:
            try:
                result = services.slot_close(slot=slot, actor=request.user)
            except DomainError as exc:  # each slot closes on its own; say which one refused
                self.message_user(request, f"{slot}: {error_text(exc)}", messages.ERROR)
                continue
            moved += result["moved"]
            cancelled += result["cancelled"]
        self.message_user(
            request,
            gettext("Closed: %(moved)s moved, %(cancelled)s cancelled.")
            % {"moved": moved, "cancelled": cancelled},
        )


@admin.register(Booking)
class BookingAdmin(ReadOnlyAdmin, GateScopedAdmin):
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


@admin.register(PartnerAcceptance)
class PartnerAcceptanceAdmin(GateScopedAdmin):
    list_display = ["gate", "date", "accepted", "note", "updated"]
    list_filter = ["gate"]
    date_hierarchy = "date"


@admin.register(WaitlistEntry)
class WaitlistEntryAdmin(GateScopedAdmin):
    admin_scope = Scope(gate="slot__gate")
    list_display = ["slot", "declaration", "auto_book", "state", "created", "served_at"]
    list_filter = ["state", "slot__gate"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
