"""Admin of the fees app: managers edit schedules; fees and payments are read-only records; the
refund is an action that calls the service; a page lists the fees collected per gate and day."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from cuakhau.accounts.roles import Role, user_has_role
from cuakhau.errors import DomainError
from cuakhau.money import vnd
from cuakhau.security.admin_scope import GLOBAL, ReadOnlyAdmin, Scope, ScopedAdmin
from vehicles.models import Gate
from vehicles.selectors import gate_ids_for_user

from .models import Fee, FeeMultiplier, FeeRate, FeeSchedule, Payment
from .selectors import collected_per_gate_and_day, fee_breakdown_lines, parse_gate_day, today_at_gates
from .services import fee_refund


class FeeRateInline(admin.TabularInline):
    model = FeeRate
    extra = 0


class FeeMultiplierInline(admin.TabularInline):
    model = FeeMultiplier
    extra = 0


@admin.register(FeeSchedule)
class FeeScheduleAdmin(ScopedAdmin, admin.ModelAdmin):
    admin_scope = GLOBAL  # the province's schedule, for every gate
    list_display = ["name", "resolution", "valid_from", "valid_to", "is_active"]
    list_filter = ["is_active"]
    inlines = [FeeRateInline, FeeMultiplierInline]
    readonly_fields = ["created", "updated"]


class PaymentInline(ReadOnlyAdmin, admin.TabularInline):
    model = Payment
    extra = 0
    can_delete = False
    fields = readonly_fields = ("created", "kind", "method", "amount", "reference", "by", "reason")


class RefundForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


@admin.register(Fee)
class FeeAdmin(ReadOnlyAdmin, ScopedAdmin, admin.ModelAdmin):
    admin_scope = Scope(gate="declaration__gate")
    list_display = ["number", "gate", "amount", "state", "computed_at", "paid_at"]
    list_filter = ["state", "declaration__gate"]
    search_fields = ["=declaration__id"]
    list_select_related = ["declaration__gate"]
    readonly_fields = [
        "declaration",
        "schedule",
        "resolution",
        "amount",
        "breakdown_table",
        "state",
        "computed_at",
        "paid_at",
        "refunded_at",
    ]
    exclude = ["breakdown"]
    inlines = [PaymentInline]
    actions = ["refund"]

    @admin.display(description=_("declaration"), ordering="declaration_id")
    def number(self, fee: Fee) -> str:
        return fee.declaration.number

    @admin.display(description=_("gate"))
    def gate(self, fee: Fee) -> str:
        return fee.declaration.gate.code

    @admin.display(description=_("breakdown"))
    def breakdown_table(self, fee: Fee) -> str:
        parts = []
        for line in fee_breakdown_lines(fee):
            value = f"× {line['percent']}%" if "percent" in line else vnd(line.get("amount", 0))
            detail = f" ({line['detail']})" if line.get("detail") else ""
            parts.append(f"{line['label']}{detail}: {value}")
        return " · ".join(parts)

    def has_refund_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser or user_has_role(request.user, Role.GATE_MANAGER)

    @admin.action(
        description=_("Refund the fee of declarations that ended without a trip (with a reason)"),
        permissions=["refund"],
    )
    def refund(self, request: HttpRequest, queryset: QuerySet[Fee]) -> HttpResponse | None:
        """Ask for the reason on an intermediate page, then call fee_refund for each fee."""
        form = RefundForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            done = 0
            for fee in queryset.select_related("declaration"):
                try:
                    fee_refund(fee=fee, reason=form.cleaned_data["reason"], manager=request.user)
                    done += 1
                except DomainError as exc:
                    self.message_user(request, f"{fee.declaration.number}: {exc.detail}", messages.ERROR)
            if done:
                self.message_user(
                    request, _("%(count)d fee(s) refunded.") % {"count": done}, messages.SUCCESS
                )
            return None
        return TemplateResponse(
            request,
            "fees/admin/refund.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Refund fees"),
                "fees": queryset.select_related("declaration"),
                "form": form,
                "opts": self.model._meta,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            },
        )


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin, ScopedAdmin, admin.ModelAdmin):
    """Append-only: nothing is added, changed or deleted here."""

    admin_scope = Scope(gate="gate")

    list_display = ["created", "gate", "kind", "method", "amount", "reference", "number", "by"]
    list_filter = ["gate", "kind", "method"]
    date_hierarchy = "created"
    search_fields = ["reference", "provider_txn_id", "=fee__declaration__id"]
    list_select_related = ["gate", "fee__declaration", "by"]
    change_list_template = "fees/admin/payment_change_list.html"

    @admin.display(description=_("declaration"))
    def number(self, payment: Payment) -> str:
        return payment.fee.declaration.number

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view(self.collected_view)
        return [path("collected/", view, name="fees_payment_collected"), *super().get_urls()]

    def collected_view(self, request: HttpRequest) -> HttpResponse:
        """Fees collected per gate and day over a date range (default: the last 30 days)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        today = today_at_gates()
        date_to = _date(request.GET.get("date_to")) or today
        date_from = _date(request.GET.get("date_from")) or date_to - dt.timedelta(days=29)
        gates = Gate.objects.filter(id__in=gate_ids_for_user(request.user)).order_by("code")
        rows = collected_per_gate_and_day(gates=gates, date_from=date_from, date_to=date_to)
        totals = {k: sum(r[k] for r in rows) for k in ("payments", "collected", "refunds", "refunded", "net")}
        return TemplateResponse(
            request,
            "fees/admin/collected.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Fees collected per gate and day"),
                "rows": rows,
                "totals": totals,
                "date_from": date_from,
                "date_to": date_to,
                "opts": self.model._meta,
                "payments_url": reverse("admin:fees_payment_changelist"),
            },
        )


def _date(value: str | None) -> dt.date | None:
    try:
        return parse_gate_day(value) if value else None
    except ValueError:
        return None
