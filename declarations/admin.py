"""The officers' work queue and the managers' rules, in the Django admin.

Nothing here edits a state: every page is read-only, and the buttons on a review post to small
admin views that call one service each (claim, approve, reject, request info), so permissions,
the transition log and the notifications always run. Only the buttons the officer may use now
are shown (`selectors.review_actions`); the service checks again anyway.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from cuakhau.errors import DomainError
from cuakhau.security.admin_scope import Scope, ScopedAdmin
from cuakhau.transitions.services import history

from . import selectors, services
from .models import (
    AgencyReview,
    CargoLine,
    Container,
    Declaration,
    Document,
    ReviewState,
    ReviewTarget,
    RoutingRule,
)

ACTIONS = {
    "claim": (services.review_claim, _("Claim"), False),
    "approve": (services.review_approve, _("Approve"), False),
    "reject": (services.review_reject, _("Reject"), True),
    "request_info": (services.review_request_info, _("Request information"), True),
}


def _history_table(objects: list[Any]) -> str:
    rows = []
    for obj in objects:
        rows.extend(history(obj))
    rows.sort(key=lambda e: (e.created, e.pk))
    if not rows:
        return "-"
    body = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{} → {}</td><td>{}</td><td>{}</td></tr>",
        (
            (
                timezone.localtime(e.created).strftime("%Y-%m-%d %H:%M"),
                e.content_type.model,
                e.transition,
                e.source or "∅",
                e.target,
                e.by,
                e.note,
            )
            for e in rows
        ),
    )
    return format_html("<table class='declarations-log'>{}</table>", body)


def _cargo_table(declaration: Declaration) -> str:
    lines = list(declaration.cargo_lines.all())
    if not lines:
        return "-"
    head = format_html(
        "<tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
        _("HS code"), _("description"), _("quantity"), _("gross weight (kg)"), _("origin"), _("perishable"),
    )  # fmt: skip
    body = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{} {}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (
                line.hs_code,
                line.description,
                line.quantity,
                line.unit,
                line.gross_kg,
                line.origin,
                "✔" if line.perishable else "",
            )
            for line in lines
        ),  # fmt: skip
    )
    return format_html("<table>{}{}</table>", head, body)


def _documents_list(declaration: Declaration) -> str:
    docs = list(declaration.documents.all())
    if not docs:
        return "-"
    return format_html_join(
        format_html("<br>"),
        "<a href='{}'>{}</a> ({}, {} B)",
        (
            (
                reverse("declarations:document", args=[declaration.pk, d.pk]),
                d.get_kind_display(),
                d.content_type,
                d.size,
            )
            for d in docs
        ),
    )


def _blocked_reason(user: Any, review: AgencyReview) -> str:
    """Why no button is shown: said plainly, so an officer is not left guessing."""
    declaration = review.declaration
    if declaration.state not in selectors.REVIEWABLE_STATES:
        return str(_("The declaration is %(state)s.") % {"state": declaration.get_state_display()})
    if not selectors.may_decide(user, review):
        return str(_("Only an officer of this agency at this gate decides this review."))
    waiting = selectors.predecessors_pending(review)
    if review.state == ReviewState.PENDING and waiting:
        labels = ", ".join(str(dict(AgencyReview._meta.get_field("agency").choices)[a]) for a in waiting)
        return str(_("It waits for the approval of: %(agencies)s.") % {"agencies": labels})
    return str(_("The review is %(state)s.") % {"state": review.get_state_display()})


class OverdueFilter(admin.SimpleListFilter):
    title = _("age")
    parameter_name = "age"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("overdue", _("Overdue")), ("due_1h", _("Due within an hour")), ("waiting", _("Not decided"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        now = timezone.now()
        open_ = queryset.filter(state__in=[ReviewState.PENDING, ReviewState.IN_REVIEW])
        if self.value() == "overdue":
            return open_.filter(due_at__lt=now)
        if self.value() == "due_1h":
            return open_.filter(due_at__gte=now, due_at__lt=now + dt.timedelta(hours=1))
        if self.value() == "waiting":
            return open_
        return queryset


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class CargoLineInline(ReadOnlyInline):
    model = CargoLine
    fields = [
        "hs_code",
        "description",
        "quantity",
        "unit",
        "gross_kg",
        "value",
        "currency",
        "origin",
        "perishable",
    ]


class ContainerInline(ReadOnlyInline):
    model = Container
    fields = ["number", "size_ft"]


class DocumentInline(ReadOnlyInline):
    model = Document
    fields = ["kind", "download", "content_type", "size", "sha256", "uploaded"]
    readonly_fields = ["download", "uploaded"]

    @admin.display(description=_("file"))
    def download(self, obj: Document) -> str:
        url = reverse("declarations:document", args=[obj.declaration_id, obj.pk])
        return format_html("<a href='{}'>{}</a>", url, obj.original_name or obj.file.name)


class ReviewInline(ReadOnlyInline):
    model = AgencyReview
    fields = ["agency", "state", "officer", "note", "ready_at", "due_at", "decided_at", "decided_by_rule"]
    readonly_fields = fields
    show_change_link = True


@admin.register(Declaration)
class DeclarationAdmin(ScopedAdmin, admin.ModelAdmin):
    admin_scope = Scope(gate="gate", agency="reviews__agency", hidden={"state": "draft"})
    list_display = ["number", "gate", "direction", "company", "vehicle", "state", "channel", "submitted_at"]
    list_filter = ["gate", "state", "channel", "direction"]
    search_fields = ["vehicle__plate_canonical", "company__name", "company__tax_code"]
    inlines = [CargoLineInline, ContainerInline, DocumentInline, ReviewInline]
    readonly_fields = ["log"]
    list_select_related = ["gate", "company", "vehicle"]
    ordering = ["-submitted_at", "-id"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return selectors.declarations_for_user(request.user)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [
            "company", "vehicle", "driver", "gate", "direction", "planned_date", "delivery_mode",
            "temporary_import", "state", "channel", "channel_reason", "required_agencies", "round",
            "submitted_at", "cleared_at", "valid_until", "closed_at", "log",
        ]  # fmt: skip

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("transition log"))
    def log(self, obj: Declaration) -> str:
        return _history_table([obj, *obj.reviews.all()])


@admin.register(AgencyReview)
class AgencyReviewAdmin(ScopedAdmin, admin.ModelAdmin):
    """The work queue: reviews of the officer's agency at their gates, oldest ready first."""

    admin_scope = Scope(gate="declaration__gate", agency="agency", hidden={"declaration__state": "draft"})

    change_form_template = "declarations/admin/review_change_form.html"
    list_display = [
        "declaration_number",
        "gate",
        "agency",
        "channel",
        "state",
        "ready_at",
        "due_at",
        "overdue_flag",
        "officer",
    ]
    list_filter = [
        ("declaration__gate", admin.RelatedOnlyFieldListFilter),
        "state",
        "declaration__channel",
        "agency",
        OverdueFilter,
    ]
    search_fields = ["declaration__vehicle__plate_canonical", "declaration__company__name"]
    ordering = ["ready_at", "id"]
    list_select_related = ["declaration", "declaration__gate", "officer"]
    fields = [
        "declaration_link", "agency", "state", "officer", "note", "decided_by_rule", "ready_at", "due_at",
        "claimed_at", "decided_at", "summary", "cargo", "containers", "documents", "log",
    ]  # fmt: skip
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return selectors.reviews_for_user(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # the state changes only through the buttons below

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        counts: dict[str, int] = {}
        for agency in (
            selectors.overdue_reviews()
            .filter(pk__in=self.get_queryset(request).values("pk"))
            .values_list("agency", flat=True)
        ):
            counts[agency] = counts.get(agency, 0) + 1
        extra = {"overdue_counts": counts, **(extra_context or {})}
        if counts:
            text = ", ".join(
                f"{dict(AgencyReview._meta.get_field('agency').choices)[a]}: {n}" for a, n in counts.items()
            )
            messages.warning(request, _("Overdue reviews — %(counts)s") % {"counts": text})
        return super().changelist_view(request, extra)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict | None = None
    ) -> HttpResponse:
        review = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if review is not None:
            extra["review_actions"] = [
                {"name": name, "label": ACTIONS[name][1], "needs_reason": ACTIONS[name][2],
                 "url": reverse("admin:declarations_agencyreview_act", args=[review.pk, name])}
                for name in selectors.review_actions(request.user, review)
            ]  # fmt: skip
            extra["review_blocked"] = (
                _blocked_reason(request.user, review) if not extra["review_actions"] else ""
            )
        return super().change_view(request, object_id, form_url, extra)

    def get_urls(self) -> list:
        return [
            path(
                "<int:pk>/act/<str:action>/",
                self.admin_site.admin_view(self.act_view),
                name="declarations_agencyreview_act",
            ),
            *super().get_urls(),
        ]

    def act_view(self, request: HttpRequest, pk: int, action: str) -> HttpResponse:
        """POST only: run one service; its refusal becomes an error message, nothing changes."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        review = get_object_or_404(self.get_queryset(request), pk=pk)
        back = reverse("admin:declarations_agencyreview_change", args=[pk])
        if action not in ACTIONS:
            messages.error(request, _("Unknown action."))
            return HttpResponseRedirect(back)
        service, label, needs_reason = ACTIONS[action]
        kwargs = {"note": request.POST.get("note", "")} if action != "claim" else {}
        try:
            service(actor=request.user, review=review, **kwargs)
        except ValidationError as exc:
            messages.error(request, " ".join(str(m) for m in exc.messages))
        except DomainError as exc:
            messages.error(request, str(exc.detail))
        else:
            messages.success(request, _("%(action)s: done.") % {"action": label})
        return HttpResponseRedirect(back)

    # --- columns and read-only fields --------------------------------------------------------
    @admin.display(description=_("declaration"), ordering="declaration_id")
    def declaration_number(self, obj: AgencyReview) -> str:
        return obj.declaration.number

    @admin.display(description=_("gate"), ordering="declaration__gate__code")
    def gate(self, obj: AgencyReview) -> str:
        return obj.declaration.gate.code

    @admin.display(description=_("channel"), ordering="declaration__channel")
    def channel(self, obj: AgencyReview) -> str:
        return obj.declaration.get_channel_display() or "-"

    @admin.display(description=_("overdue"), boolean=True)
    def overdue_flag(self, obj: AgencyReview) -> bool:
        return obj.is_overdue

    @admin.display(description=_("declaration"))
    def declaration_link(self, obj: AgencyReview) -> str:
        url = reverse("admin:declarations_declaration_change", args=[obj.declaration_id])
        d = obj.declaration
        return format_html("<a href='{}'>{}</a> — {}", url, d.number, d.get_state_display())

    @admin.display(description=_("declaration details"))
    def summary(self, obj: AgencyReview) -> str:
        d = obj.declaration
        return format_html(
            "{} · {} · {} · {}<br>{}: {} · {}: {} · {}: {}",
            d.gate.code, d.get_direction_display(), d.planned_date, d.company,
            _("vehicle"), d.vehicle.plate, _("driver"), d.driver, _("channel"),
            f"{d.get_channel_display() or '-'} ({d.channel_reason})",
        )  # fmt: skip

    @admin.display(description=_("cargo lines"))
    def cargo(self, obj: AgencyReview) -> str:
        return _cargo_table(obj.declaration)

    @admin.display(description=_("containers"))
    def containers(self, obj: AgencyReview) -> str:
        return ", ".join(c.number for c in obj.declaration.containers.all()) or "-"

    @admin.display(description=_("documents"))
    def documents(self, obj: AgencyReview) -> str:
        return _documents_list(obj.declaration)

    @admin.display(description=_("transition log"))
    def log(self, obj: AgencyReview) -> str:
        return _history_table([obj.declaration, *obj.declaration.reviews.all()])


@admin.register(RoutingRule)
class RoutingRuleAdmin(ScopedAdmin, admin.ModelAdmin):
    admin_scope = Scope(gate="gate", all_gates_rows=True)  # all-gates rules: superusers edit
    list_display = ["kind", "gate", "direction", "value", "is_active", "note", "updated"]
    list_filter = ["kind", "gate", "is_active"]
    list_editable = ["is_active"]


@admin.register(ReviewTarget)
class ReviewTargetAdmin(ScopedAdmin, admin.ModelAdmin):
    admin_scope = Scope(gate="gate")
    list_display = ["gate", "agency", "hours"]
    list_filter = ["gate", "agency"]
