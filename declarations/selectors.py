"""Reads of the declarations app, and who may see or do what (the fetch-and-authorise helpers).

An operator sees its own company's declarations; an officer sees the reviews of their agency at
their gates; managers and superusers see everything. An object the caller may not see is "not
found" (404), never "forbidden": its existence is not their business.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Case, Count, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from cuakhau.accounts.roles import Agency, Role, user_has_role
from cuakhau.errors import NotAllowed, NotFound
from vehicles.selectors import company_for_user, gate_ids_for_user

from .models import (
    AWAITING_DECISION_STATES,
    AgencyReview,
    Declaration,
    DeclarationState,
    ReviewState,
    overdue_q,
)
from .permissions import is_owner, may_decide, officer_agency
from .rules import review_predecessors

S = DeclarationState
R = ReviewState

EDITABLE_STATES = (S.DRAFT, S.RETURNED)
CANCELLABLE_STATES = (S.DRAFT, S.SUBMITTED, S.UNDER_REVIEW, S.RETURNED, S.CLEARED)
REVIEWABLE_STATES = (S.SUBMITTED, S.UNDER_REVIEW)


# --- who is who ----------------------------------------------------------------------------
def operator_company(user: Any) -> Any:
    """The company an operator acts for; NotAllowed for anyone else."""
    company = company_for_user(user)
    if company is None or not user_has_role(user, Role.OPERATOR):
        raise NotAllowed(_("Only an operator of a company can do this."))
    return company


def company_operators(declaration: Declaration) -> list[Any]:
    """The active operators of the declaration's company: who hears about its declaration."""
    return list(
        get_user_model()
        .objects.filter(
            company_member__company_id=declaration.company_id, groups__name=Role.OPERATOR, is_active=True
        )
        .select_related("profile")  # notify() reads it
        .distinct()
    )


def sees_all_reviews(user: Any) -> bool:
    return bool(getattr(user, "is_superuser", False)) or user_has_role(user, Role.GATE_MANAGER)


# --- declarations --------------------------------------------------------------------------
def _with_details(qs: QuerySet[Declaration]) -> QuerySet[Declaration]:
    return qs.select_related("company", "vehicle", "driver", "gate").prefetch_related(
        "cargo_lines",
        "containers",
        "documents",
        Prefetch("reviews", queryset=AgencyReview.objects.order_by("id")),
    )


def declarations_for_user(user: Any) -> QuerySet[Declaration]:
    """Operators: their company's. Officers: those at their gates with a review of their agency."""
    if not getattr(user, "is_authenticated", False):
        return Declaration.objects.none()
    if sees_all_reviews(user):
        return _with_details(Declaration.objects.all())
    company = company_for_user(user)
    if company is not None and user_has_role(user, Role.OPERATOR):
        return _with_details(Declaration.objects.filter(company=company))
    agency = officer_agency(user)
    if agency:
        return _with_details(
            Declaration.objects.filter(gate_id__in=gate_ids_for_user(user), reviews__agency=agency).distinct()
        )
    return Declaration.objects.none()


def declaration_for_owner(*, user: Any, pk: Any) -> Declaration:
    """The caller's own declaration, or NotFound; NotAllowed for a non-operator."""
    company = operator_company(user)
    try:
        return _with_details(Declaration.objects.filter(company=company)).get(pk=int(pk))
    except (Declaration.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("No such declaration."))


# --- reviews -------------------------------------------------------------------------------
def reviews_for_user(user: Any) -> QuerySet[AgencyReview]:
    """The work queue: an officer's agency at their gates, oldest ready first."""
    qs = (
        AgencyReview.objects.select_related(
            "declaration", "declaration__gate", "declaration__vehicle", "declaration__company", "officer"
        )
        .prefetch_related("declaration__reviews")
        .order_by("ready_at", "id")
    )
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    if sees_all_reviews(user):
        return qs
    agency = officer_agency(user)
    if not agency:
        return qs.none()
    return qs.filter(agency=agency, declaration__gate_id__in=gate_ids_for_user(user))


OPEN_REVIEW_STATES = AWAITING_DECISION_STATES  # the work queue's states


def open_reviews(qs: QuerySet[AgencyReview]) -> QuerySet[AgencyReview]:
    """What an officer can act on: pending or in review, on a declaration still under review,
    and ready (its predecessors approved). Overdue ones first, then the oldest ready."""
    return qs.filter(
        state__in=OPEN_REVIEW_STATES,
        declaration__state__in=REVIEWABLE_STATES,
        ready_at__isnull=False,
    )


def with_overdue_first(qs: QuerySet[AgencyReview]) -> QuerySet[AgencyReview]:
    """Annotate `overdue_rank` (0 overdue and open, 1 otherwise); order overdue first, oldest."""
    now = timezone.now()
    return qs.annotate(
        overdue_rank=Case(
            When(overdue_q(now), then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
    ).order_by("overdue_rank", "ready_at", "id")


def work_queue_counts(user: Any) -> dict[str, int]:
    """The admin home's figures: open reviews, overdue ones, and those the user claimed."""
    qs = open_reviews(reviews_for_user(user)).order_by()
    now = timezone.now()
    counts = qs.aggregate(
        open=Count("id"),
        overdue=Count("id", filter=overdue_q(now)),
        mine=Count("id", filter=Q(officer_id=getattr(user, "pk", None), state=R.IN_REVIEW)),
    )
    return {k: v or 0 for k, v in counts.items()}


def review_for_officer(*, user: Any, pk: Any) -> AgencyReview:
    """A review the user may see, to act on: the services re-read its declaration's reviews
    under lock, so they are not read here."""
    try:
        return reviews_for_user(user).prefetch_related(None).get(pk=int(pk))
    except (AgencyReview.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("No such review."))


def overdue_reviews() -> QuerySet[AgencyReview]:
    return AgencyReview.objects.filter(overdue_q(timezone.now()), declaration__state__in=REVIEWABLE_STATES)


def predecessors_pending(review: AgencyReview, reviews: list[AgencyReview] | None = None) -> list[str]:
    """Agencies that must approve before this review may be claimed, and have not yet."""
    declaration = review.declaration
    reviews = reviews if reviews is not None else list(declaration.reviews.all())
    states = {r.agency: r.state for r in reviews}
    before = review_predecessors(declaration.gate, declaration.required_agencies).get(review.agency, [])
    return [a for a in before if states.get(a) != R.APPROVED]


def review_actions(user: Any, review: AgencyReview) -> list[str]:
    """The transitions `user` may fire on `review` now: what the admin and the API offer."""
    declaration = review.declaration
    if declaration.state not in REVIEWABLE_STATES or not may_decide(user, review):
        return []
    if review.state == R.PENDING:
        return [] if predecessors_pending(review) else ["claim"]
    if review.state == R.IN_REVIEW:
        return ["approve", "reject", "request_info"]
    return []


def decisions_open(user: Any, review: AgencyReview) -> list[str]:
    """The admin's buttons: from a pending review the officer decides in one step (claim and
    decision together, `services.review_decide`), or only claims it to look at it first."""
    actions = review_actions(user, review)
    if actions == ["claim"]:
        return ["approve", "reject", "request_info", "claim"]
    return actions


def bulk_refusal(user: Any, review: AgencyReview, action: str) -> str:
    """Why `review` is left out of a bulk claim or approval ('' when it may go in).

    Bulk approval is for the routine: a red-channel declaration is approved by customs one by
    one after its inspection, and a review a colleague claimed is theirs to decide.
    """
    open_now = review_actions(user, review)
    if action == "claim":
        return "" if "claim" in open_now else _("it cannot be claimed now")
    if not open_now:
        return _("it cannot be decided now")
    if review.state == R.IN_REVIEW and review.officer_id not in (None, getattr(user, "pk", None)):
        return _("a colleague claimed it")
    if review.agency == Agency.CUSTOMS and review.declaration.channel == "red":
        return _("red channel: decide it one by one after the inspection")
    return ""


def declaration_actions(user: Any, declaration: Declaration) -> list[str]:
    """The owner's actions on a declaration now: edit, submit, resubmit, cancel."""
    if not is_owner(user, declaration):
        return []
    actions = []
    if declaration.state in EDITABLE_STATES:
        actions.append("edit")
    if declaration.state == S.DRAFT:
        actions.append("submit")
    if declaration.state == S.RETURNED:
        actions.append("resubmit")
    if declaration.state in CANCELLABLE_STATES:
        actions.append("cancel")
    return actions
