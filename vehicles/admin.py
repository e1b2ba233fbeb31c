"""Admin of the registries: gates (managers), companies, drivers, vehicles, who works where.

Forms run the same checks as the portal and the API (the services' ``*_validate``), so a plate
typed here is parsed by the one plate parser and stored in its display form. Vehicles are found
by plate however it is typed: the search term is also canonicalised.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from cuakhau.accounts.models import Profile
from cuakhau.accounts.roles import Role
from cuakhau.security.admin_scope import SUPERUSER_ONLY, Scope, ScopedAdmin

from . import selectors, services
from .models import Company, CompanyMember, Driver, Gate, StaffAssignment, Vehicle


class _ServiceCheckedForm(forms.ModelForm):
    """A model form whose instance is checked by a registry service instead of model uniqueness."""

    def validate(self, instance: Any) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    # ModelForm._post_clean and _update_errors: Django's private hooks, absent from the stubs.
    def _post_clean(self) -> None:
        super()._post_clean()  # type: ignore[misc]
        if self.errors:
            return
        try:
            self.validate(self.instance)
        except ValidationError as exc:
            self._update_errors(exc)  # type: ignore[attr-defined]

    def validate_unique(self) -> None:
        # The services check uniqueness with messages that say what is taken.
        pass


class CompanyForm(_ServiceCheckedForm):
    class Meta:
        model = Company
        fields = ["name", "tax_code", "address", "phone"]

    def validate(self, instance: Company) -> None:
        services.company_validate(company=instance)


class DriverForm(_ServiceCheckedForm):
    class Meta:
        model = Driver
        fields = ["company", "full_name", "nationality", "id_number", "phone", "licence_number", "user"]

    def validate(self, instance: Driver) -> None:
        services.driver_validate(driver=instance)


class VehicleForm(_ServiceCheckedForm):
    class Meta:
        model = Vehicle
        fields = ["company", "plate", "country", "kind", "trailer_plate", "max_gross_kg"]

    def validate(self, instance: Vehicle) -> None:
        services.vehicle_validate(vehicle=instance)


@admin.register(Gate)
class GateAdmin(ScopedAdmin, admin.ModelAdmin):
    admin_scope = Scope(gate="id")
    list_display = ["code", "name", "kind", "slot_minutes", "lane_release_per_tick", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name"]
    fieldsets = [
        (None, {"fields": ["code", "name", "kind", "directions", "timezone", "is_active"]}),
        (
            _("Queue"),
            {
                "fields": [
                    "slot_minutes",
                    "early_margin_minutes",
                    "grace_minutes",
                    "lane_release_per_tick",
                    "company_daily_booking_cap",
                    "declaration_validity_days",
                ]
            },
        ),
        (_("Reviews"), {"fields": ["review_order"]}),
        (_("Fee payment (VietQR)"), {"fields": ["bank_bin", "bank_account", "bank_account_name"]}),
    ]

    def get_readonly_fields(self, request: HttpRequest, obj: Gate | None = None) -> list[str]:
        # The code names the gate everywhere (API, kiosk URLs, devices): fixed once created.
        return ["code"] if obj is not None else []


class CompanyMemberInline(admin.TabularInline):
    model = CompanyMember
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Company)
class CompanyAdmin(ScopedAdmin, admin.ModelAdmin):
    admin_scope = Scope(gate="declarations__gate")
    form = CompanyForm
    list_display = ["name", "tax_code", "phone", "created"]
    search_fields = ["name", "tax_code"]
    date_hierarchy = "created"
    inlines = [CompanyMemberInline]


@admin.register(CompanyMember)
class CompanyMemberAdmin(ScopedAdmin, admin.ModelAdmin):
    admin_scope = SUPERUSER_ONLY
    list_display = ["user", "company"]
    search_fields = ["user__username", "company__name", "company__tax_code"]
    autocomplete_fields = ["user", "company"]
    list_select_related = ["user", "company"]


@admin.register(Driver)
class DriverAdmin(ScopedAdmin, admin.ModelAdmin):
    # Identity numbers: border guards check persons; others see the last digits only.
    admin_scope = Scope(gate="declarations__gate", masked={"id_number": (Role.BORDER_GUARD,)})
    form = DriverForm
    list_display = ["full_name", "nationality", "id_number", "phone", "company"]
    list_filter = ["nationality"]
    search_fields = ["full_name", "id_number", "licence_number", "company__name", "company__tax_code"]
    autocomplete_fields = ["company", "user"]
    list_select_related = ["company"]


@admin.register(Vehicle)
class VehicleAdmin(ScopedAdmin, admin.ModelAdmin):
    admin_scope = Scope(gate="declarations__gate")
    form = VehicleForm
    list_display = ["plate", "plate_canonical", "country", "kind", "trailer_plate", "company"]
    list_filter = ["country", "kind"]
    search_fields = ["plate", "plate_canonical", "trailer_plate", "company__name", "company__tax_code"]
    readonly_fields = ["plate_canonical", "trailer_plate_canonical"]
    autocomplete_fields = ["company"]
    list_select_related = ["company"]

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Vehicle], search_term: str
    ) -> tuple[QuerySet[Vehicle], bool]:
        """Also match the canonical form: ``12c 123 45``, ``12C12345`` and ``桂A·12345`` all work."""
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        results |= selectors.search_by_plate(
            queryset, search_term, "plate_canonical", "trailer_plate_canonical"
        )
        return results, may_have_duplicates


@admin.register(StaffAssignment)
class StaffAssignmentAdmin(ScopedAdmin, admin.ModelAdmin):
    admin_scope = Scope(gate="gates")
    list_display = ["user", "agency", "gate_codes"]
    list_filter = ["agency", "gates"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    filter_horizontal = ["gates"]
    autocomplete_fields = ["user"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[StaffAssignment]:
        return super().get_queryset(request).select_related("user").prefetch_related("gates")

    @admin.display(description=_("gates"))
    def gate_codes(self, obj: StaffAssignment) -> str:
        return ", ".join(gate.code for gate in obj.gates.all())


# --- Users: their roles at a glance, and their preferences -----------------------------------


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    extra = 0


class StaffAssignmentInline(admin.StackedInline):
    model = StaffAssignment
    can_delete = False
    extra = 0
    filter_horizontal = ["gates"]


class RoleUserAdmin(ScopedAdmin, UserAdmin):
    admin_scope = SUPERUSER_ONLY
    list_display = ["username", "email", "first_name", "last_name", "roles", "is_staff", "is_active"]
    list_filter = ["groups", "is_staff", "is_superuser", "is_active"]
    inlines = [ProfileInline, StaffAssignmentInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description=_("roles"))
    def roles(self, obj: User) -> str:
        labels = dict(Role.choices)
        return ", ".join(str(labels.get(group.name, group.name)) for group in obj.groups.all())


if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, RoleUserAdmin)
