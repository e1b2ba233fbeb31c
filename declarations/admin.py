"""The officers' work queue and the managers' rules, in the Django admin.

Nothing here edits a state: every page is read-only, and the buttons on a review post to small
admin views that call one service each (the one-step decision `review_decide`, or a claim), so
permissions, the transition log and the notifications always run. Only the buttons the officer
may use now are shown (`selectors.decisions_open`); the service checks again anyway.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.timesince import timesince
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from cuakhau.accounts.roles import Agency
from cuakhau.errors import DomainError
from cuakhau.qr import qr_svg
from cuakhau.security.admin_scope import ReadOnlyAdmin, Scope, ScopedAdmin
from vehicles.selectors import search_by_plate

from . import selectors, services, workspace
from .models import (
    CARGO_FIELDS,
    AgencyReview,
    CargoLine,
    Channel,
    Container,
    Declaration,
    Document,
    ReviewState,
    ReviewTarget,
    RoutingRule,
    overdue_q,
)
from .views import document_preview

# name → (button label, reason required)
ACTIONS = {
    "approve": (_("Approve"), False),
    "reject": (_("Reject"), True),
    "request_info": (_("Request information"), True),
    "claim": (_("Claim only"), False),
}
DONE = {
    "approve": _("%(review)s: approved."),
    "reject": _("%(review)s: rejected."),
    "request_info": _("%(review)s: information requested."),
    "claim": _("%(review)s: claimed by you."),
}


def _error_text(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(str(m) for m in exc.messages)
    return str(getattr(exc, "detail", exc))


def _blocked_reason(user: Any, review: AgencyReview) -> str:
    """Why no button is shown: said plainly, so an officer is not left guessing."""
    declaration = review.declaration
    if declaration.state not in selectors.REVIEWABLE_STATES:
        return str(_("The declaration is %(state)s.") % {"state": declaration.get_state_display()})
    if not selectors.may_decide(user, review):
        return str(_("Only an officer of this agency at this gate decides this review."))
    waiting = selectors.predecessors_pending(review)
    if review.state == ReviewState.PENDING and waiting:
        labels = ", ".join(str(Agency(a).label) for a in waiting)
        return str(_("It waits for the approval of: %(agencies)s.") % {"agencies": labels})
    return str(_("The review is %(state)s.") % {"state": review.get_state_display()})


def _declaration_number_search(queryset: QuerySet, search_term: str, field: str) -> QuerySet:
    """'TK0000012' (or '12') finds declaration 12."""
    digits = search_term.strip().upper().removeprefix("TK")
    if digits.isdigit():
        return queryset.filter(**{field: int(digits)})
    return queryset.none()


# --- filters of the work queue ---------------------------------------------------------------
class _ChoiceFilter(admin.SimpleListFilter):
    """A filter whose choices are exactly its lookups (the first is the default)."""

    default: str | None = None

    def value(self) -> str | None:
        return super().value() or self.default

    def choices(self, changelist: Any) -> Any:
        if self.default is None:
            yield {
                "selected": self.value() is None,
                "query_string": changelist.get_query_string(remove=[self.parameter_name]),
                "display": _("All"),
            }
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == str(lookup),
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }


class QueueStateFilter(_ChoiceFilter):
    """Opens on what the officer can act on: pending or in review, ready, still under review."""

    title = _("state")
    parameter_name = "queue"
    default = "open"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            ("open", _("To decide (pending or in review)")),
            ("pending", ReviewState.PENDING.label),
            ("in_review", ReviewState.IN_REVIEW.label),
            ("decided", _("Decided")),
            ("all", _("All")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if value == "open":
            return selectors.open_reviews(queryset)
        if value in (ReviewState.PENDING, ReviewState.IN_REVIEW):
            return selectors.open_reviews(queryset).filter(state=value)
        if value == "decided":
            return queryset.exclude(state__in=selectors.OPEN_REVIEW_STATES)
        return queryset


class WhoFilter(_ChoiceFilter):
    title = _("claimed by")
    parameter_name = "who"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("mine", _("Me")), ("unclaimed", _("Nobody (unclaimed)")), ("others", _("A colleague"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "mine":
            return queryset.filter(officer=request.user)
        if self.value() == "unclaimed":
            return queryset.filter(officer__isnull=True, state=ReviewState.PENDING)
        if self.value() == "others":
            return queryset.filter(officer__isnull=False).exclude(officer=request.user)
        return queryset


class OverdueFilter(_ChoiceFilter):
    title = _("age")
    parameter_name = "age"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            ("overdue", _("Overdue")),
            ("due_1h", _("Due within an hour")),
            ("older_4h", _("Waiting more than 4 hours")),
            ("older_24h", _("Waiting more than a day")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        now = timezone.now()
        open_ = queryset.filter(state__in=selectors.OPEN_REVIEW_STATES)
        value = self.value()
        if value == "overdue":
            return open_.filter(overdue_q(now))
        if value == "due_1h":
            return open_.filter(due_at__gte=now, due_at__lt=now + dt.timedelta(hours=1))
        if value == "older_4h":
            return open_.filter(ready_at__lt=now - dt.timedelta(hours=4))
        if value == "older_24h":
            return open_.filter(ready_at__lt=now - dt.timedelta(days=1))
        return queryset


class ChannelFilter(_ChoiceFilter):
    title = _("customs channel")
    parameter_name = "channel"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return list(Channel.choices)

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() in Channel.values:
            return queryset.filter(declaration__channel=self.value())
        return queryset


class ReadOnlyInline(ReadOnlyAdmin, admin.TabularInline):
    extra = 0
    can_delete = False


class CargoLineInline(ReadOnlyInline):
    model = CargoLine
    fields = list(CARGO_FIELDS)


class ContainerInline(ReadOnlyInline):
    model = Container
    fields = ["number", "size_ft"]


class DocumentInline(ReadOnlyInline):
    model = Document
    fields = ["kind", "original_name", "content_type", "size", "uploaded"]


class ReviewInline(ReadOnlyInline):
    model = AgencyReview
    fields = readonly_fields = ("agency", "state", "officer", "note", "ready_at", "due_at", "decided_at")
    show_change_link = True


def _print_view(
    model_admin: admin.ModelAdmin, request: HttpRequest, declaration: Declaration
) -> HttpResponse:
    context = {
        **model_admin.admin_site.each_context(request),
        **workspace.declaration_context(declaration),
        "title": declaration.number,
        "printed_at": workspace.short_time(timezone.now()),
        "printed_by": workspace.person(request.user),
        "qr": qr_svg(declaration.number),
    }
    return TemplateResponse(request, "declarations/admin/print.html", context)


@admin.register(Declaration)
class DeclarationAdmin(ReadOnlyAdmin, ScopedAdmin, admin.ModelAdmin):
    admin_scope = Scope(gate="gate", agency="reviews__agency", hidden={"state": "draft"})
    change_form_template = "declarations/admin/declaration_change_form.html"
    list_display = ["number", "gate", "direction", "company", "vehicle", "state", "channel", "submitted_at"]
    list_filter = ["gate", "state", "channel", "direction"]
    search_fields = ["company__name", "company__tax_code"]
    list_select_related = ["gate", "company", "vehicle"]
    ordering = ["-submitted_at", "-id"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return selectors.declarations_for_user(request.user)

    @admin.display(description=_("number"), ordering="pk")
    def number(self, obj: Declaration) -> str:
        return obj.number

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        """By company, by number (TK0000012) and by plate as printed (29C-123.45, 桂A·12345)."""
        results, duplicates = super().get_search_results(request, queryset, search_term)
        results |= search_by_plate(queryset, search_term, "vehicle__plate_canonical")
        results |= _declaration_number_search(queryset, search_term, "pk")
        return results, duplicates

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict | None = None
    ) -> HttpResponse:
        declaration = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if declaration is not None:
            extra.update(workspace.declaration_context(declaration))
            extra["print_url"] = reverse("admin:declarations_declaration_print", args=[declaration.pk])
        return super().change_view(request, object_id, form_url, extra)

    def get_urls(self) -> list:
        return [
            path(
                "<int:pk>/print/",
                self.admin_site.admin_view(self.print_view),
                name="declarations_declaration_print",
            ),
            path(
                "<int:pk>/documents/<int:doc_pk>/preview/",
                self.admin_site.admin_view(self.document_preview_view),
                name="declarations_declaration_document_preview",
            ),
            *super().get_urls(),
        ]

    def document_preview_view(self, request: HttpRequest, pk: int, doc_pk: int) -> HttpResponse:
        """A document inline in the review page's frame, for who sees the declaration here."""
        if not self.has_view_permission(request):
            raise Http404
        declaration = get_object_or_404(self.get_queryset(request), pk=pk)
        return document_preview(get_object_or_404(declaration.documents, pk=doc_pk))

    def print_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The declaration on one A4 page: cargo, reviews and decisions, QR of its number."""
        if not self.has_view_permission(request):
            return HttpResponseRedirect(reverse("admin:index"))
        return _print_view(self, request, get_object_or_404(self.get_queryset(request), pk=pk))


# Read-only: the state changes only through the buttons of the review page.
@admin.register(AgencyReview)
class AgencyReviewAdmin(ReadOnlyAdmin, ScopedAdmin, admin.ModelAdmin):
    """The work queue: the officer's agency at their gates, to decide, overdue first then oldest."""

    admin_scope = Scope(gate="declaration__gate", agency="agency", hidden={"declaration__state": "draft"})

    change_form_template = "declarations/admin/review_change_form.html"
    change_list_template = "declarations/admin/review_change_list.html"
    list_display = ["declaration_number", "plate", "gate", "agency", "channel", "holder", "waiting", "due"]
    list_display_links = ["declaration_number"]
    list_filter = [QueueStateFilter, WhoFilter, OverdueFilter, ("declaration__gate", admin.RelatedOnlyFieldListFilter), ChannelFilter, "agency"]  # fmt: skip
    search_fields = ["declaration__company__name"]
    list_select_related = ["declaration", "declaration__gate", "declaration__vehicle", "officer"]
    list_per_page = 50
    actions = ["claim_selected", "approve_selected"]
    fields = readonly_fields = ("agency", "state", "officer", "note")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return selectors.with_overdue_first(selectors.reviews_for_user(request.user))

    def get_ordering(self, request: HttpRequest) -> list[str]:
        return ["overdue_rank", "ready_at", "id"]

    def get_list_display(self, request: HttpRequest) -> list[Any]:
        shown = list(super().get_list_display(request))
        if selectors.officer_agency(request.user):
            shown.remove("agency")  # an officer's queue is one agency's
        return shown

    def get_list_filter(self, request: HttpRequest) -> list[Any]:
        shown = list(super().get_list_filter(request))
        if selectors.officer_agency(request.user):
            shown.remove("agency")
        return shown

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        """By company, by declaration number and by plate as printed (the one plate parser)."""
        results, duplicates = super().get_search_results(request, queryset, search_term)
        results |= search_by_plate(queryset, search_term, "declaration__vehicle__plate_canonical")
        results |= _declaration_number_search(queryset, search_term, "declaration_id")
        return results, duplicates

    def has_decide_permission(self, request: HttpRequest) -> bool:
        return bool(selectors.officer_agency(request.user))

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        extra = {
            "title": gettext("Work queue"),
            "queue_counts": selectors.work_queue_counts(request.user),
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict | None = None
    ) -> HttpResponse:
        review = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if review is not None:
            names = selectors.decisions_open(request.user, review)
            extra["review_actions"] = [
                {"name": name, "label": ACTIONS[name][0], "needs_reason": ACTIONS[name][1],
                 "url": reverse("admin:declarations_agencyreview_act", args=[review.pk, name])}
                for name in names
            ]  # fmt: skip
            extra["review_blocked"] = "" if names else _blocked_reason(request.user, review)
            colleague = review.officer if review.officer_id and review.officer_id != request.user.pk else None
            extra["colleague"] = workspace.person(colleague) if colleague else ""
            extra["claimed_when"] = workspace.short_time(review.claimed_at)
            extra["review"] = review
            extra.update(workspace.declaration_context(review.declaration))
            extra["print_url"] = reverse("admin:declarations_declaration_print", args=[review.declaration_id])
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
        """POST only: one service call; a refusal becomes an error message and changes nothing.

        A decision from a pending review claims it in the same transaction (one step); the
        officer goes back to the queue. A claim alone keeps them on the review.
        """
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        review = get_object_or_404(self.get_queryset(request), pk=pk)
        back = reverse("admin:declarations_agencyreview_change", args=[pk])
        if action not in ACTIONS:
            messages.error(request, _("Unknown action."))
            return HttpResponseRedirect(back)
        seen = request.POST.get("seen_officer", "")
        try:
            if action == "claim":
                services.review_claim(actor=request.user, review=review)
            else:
                services.review_decide(
                    actor=request.user,
                    review=review,
                    decision=action,
                    note=request.POST.get("note", ""),
                    seen_officer_id=int(seen) if seen.isdigit() else None,
                )
        except (ValidationError, DomainError) as exc:
            messages.error(request, _error_text(exc))
            return HttpResponseRedirect(back)
        name = f"{review.declaration.number} — {review.get_agency_display()}"
        messages.success(request, DONE[action] % {"review": name})
        if action == "claim":
            return HttpResponseRedirect(back)
        return HttpResponseRedirect(reverse("admin:declarations_agencyreview_changelist"))

    # --- bulk actions -------------------------------------------------------------------------
    def _bulk(self, request: HttpRequest, queryset: QuerySet, action: str) -> None:
        ids = list(queryset.values_list("pk", flat=True))
        result = services.reviews_bulk(actor=request.user, review_ids=ids, action=action)
        done = len(result.done)
        if action == "claim":
            text = ngettext("%(count)d review claimed.", "%(count)d reviews claimed.", done)
        else:
            text = ngettext("%(count)d review approved.", "%(count)d reviews approved.", done)
        self.message_user(request, text % {"count": done}, messages.SUCCESS if done else messages.WARNING)
        if result.refused:
            numbers = dict(
                queryset.model.objects.filter(pk__in=[i for i, _w in result.refused]).values_list(
                    "pk", "declaration_id"
                )
            )
            detail = "; ".join(f"TK{numbers.get(i, 0):07d}: {why}" for i, why in result.refused)
            self.message_user(
                request,
                gettext("Left for one-by-one decision: %(list)s") % {"list": detail},
                messages.WARNING,
            )

    @admin.action(description=_("Claim the selected reviews"), permissions=["decide"])
    def claim_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._bulk(request, queryset, "claim")

    @admin.action(description=_("Approve the selected reviews (claims them too)"), permissions=["decide"])
    def approve_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._bulk(request, queryset, "approve")

    # --- columns ------------------------------------------------------------------------------
    @admin.display(description=_("declaration"), ordering="declaration_id")
    def declaration_number(self, obj: AgencyReview) -> str:
        return obj.declaration.number

    @admin.display(description=_("plate"), ordering="declaration__vehicle__plate_canonical")
    def plate(self, obj: AgencyReview) -> str:
        return obj.declaration.vehicle.plate

    @admin.display(description=_("gate"), ordering="declaration__gate__code")
    def gate(self, obj: AgencyReview) -> str:
        return obj.declaration.gate.code

    @admin.display(description=_("channel"), ordering="declaration__channel")
    def channel(self, obj: AgencyReview) -> str:
        channel = obj.declaration.channel
        if not channel:
            return "-"
        return format_html(
            '<span class="ck-channel ck-channel-{}">{}</span>', channel, obj.declaration.get_channel_display()
        )

    @admin.display(description=_("state"), ordering="state")
    def holder(self, obj: AgencyReview) -> str:
        """'In review' and who holds it: a colleague's claim is visible in the list."""
        state = obj.get_state_display()
        if obj.officer_id:
            return format_html(
                '{}<br><small class="ck-muted">{}</small>', state, workspace.person(obj.officer)
            )
        return str(state)

    @admin.display(description=_("waiting"), ordering="ready_at")
    def waiting(self, obj: AgencyReview) -> str:
        if obj.ready_at is None or obj.is_decided:
            return "-"
        return timesince(obj.ready_at, depth=1)

    @admin.display(description=_("due"), ordering="due_at")
    def due(self, obj: AgencyReview) -> str:
        if obj.due_at is None:
            return "-"
        when = workspace.short_time(obj.due_at)
        if obj.is_overdue:
            late = gettext("%(time)s late") % {"time": timesince(obj.due_at, depth=1)}
            return format_html('{}<br><span class="ck-overdue">{}</span>', when, late)
        return when


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
