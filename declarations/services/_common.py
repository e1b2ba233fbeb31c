"""Helpers shared by the services: row locks, permission checks, recipients, payloads."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from cuakhau.accounts.roles import Role
from cuakhau.errors import NotFound
from cuakhau.notifications.messages import every_language
from cuakhau.notifications.services import notify
from vehicles.models import Gate

from .. import words
from ..models import (
    AgencyReview,
    Declaration,
    DeclarationState,
    ReviewState,
)
from ..selectors import (
    company_operators,
    is_owner,
    operator_company,
)

S = DeclarationState
R = ReviewState
User = get_user_model()


# --- helpers ---------------------------------------------------------------------------------
def _locked_declaration(pk: int, *, company: Any = None) -> Declaration:
    """The declaration, its row locked; `company`: only one of that company's (others are not
    found, and not locked either)."""
    qs = Declaration.objects.select_for_update().select_related("gate", "vehicle", "company")
    if company is not None:
        qs = qs.filter(company=company)
    try:
        return qs.get(pk=pk)
    except Declaration.DoesNotExist:
        raise NotFound(_("No such declaration."))


def _in_hand(instance: Any, name: str, objects: Iterable[Any]) -> None:
    """Make `instance.<name>.all()` answer `objects` without a query, as `prefetch_related` would:
    a service that just wrote or read a declaration's rows hands them on to the reply."""
    queryset = getattr(instance, name).get_queryset()  # lazy: no query
    queryset._result_cache = list(objects)
    queryset._prefetch_done = True
    instance.__dict__.setdefault("_prefetched_objects_cache", {})[name] = queryset


def _operators(declaration: Declaration) -> list[Any]:
    """The company's operators, read once per locked declaration: one transaction may tell them
    of several things (a submission and the green channel's approval; an approval and the
    clearance). The declaration object lives for that one transaction only."""
    cached = declaration.__dict__.get("_company_operators")
    if cached is None:
        cached = declaration.__dict__["_company_operators"] = company_operators(declaration)
    return cached


def _reviews(declaration: Declaration, *, lock: bool = True) -> list[AgencyReview]:
    qs = AgencyReview.objects.filter(declaration=declaration).order_by("id")
    if lock:
        qs = qs.select_for_update()
    reviews = list(qs)
    for review in reviews:
        review.declaration = declaration  # one object, so sync sees what services changed
    return reviews


def _require_owner(actor: Any, declaration: Declaration) -> None:
    operator_company(actor)
    if not is_owner(actor, declaration):
        raise NotFound(_("No such declaration."))


def _officers(gate: Gate, agencies: Iterable[str]) -> list[Any]:
    return list(
        User.objects.filter(
            staff_assignment__agency__in=list(agencies), staff_assignment__gates=gate, is_active=True
        )
        .select_related("profile")  # notify() reads it
        .distinct()
    )


def _gate_managers(gate: Gate) -> list[Any]:
    return list(
        User.objects.filter(groups__name=Role.GATE_MANAGER, staff_assignment__gates=gate, is_active=True)
        .select_related("profile")  # notify() reads it
        .distinct()
    )


def _payload(declaration: Declaration, review: AgencyReview | None = None, note: str = "") -> dict[str, Any]:
    return {
        "number": declaration.number,
        "declaration_id": declaration.pk,
        "plate": declaration.vehicle.plate,
        "gate": declaration.gate.name,
        "gate_i18n": declaration.gate.names(),
        "gate_code": declaration.gate.code,
        "agency": str(review.get_agency_display()) if review else "",
        "agency_code": review.agency if review else "",
        "review_id": review.pk if review else None,
        "state": declaration.state,
        "note": note,
    }


def _notify_owner(
    event: str, declaration: Declaration, review: AgencyReview | None = None, note: str = ""
) -> None:
    dedupe = f"r{review.pk}:{declaration.round}" if review else f"round{declaration.round}"
    payload = _payload(declaration, review, note)
    if review is not None and review.decided_by_rule:
        # A rule's decision reads as words in each reader's language, not as the rule's code.
        payload["note_i18n"] = every_language(lambda: words.review_note_text(review))
    notify(
        event=event,
        recipients=_operators(declaration),
        subject_type="declaration",
        subject_id=declaration.pk,
        payload=payload,
        dedupe=dedupe,
    )


def _validation(errors: dict[str, Any]) -> None:
    if errors:
        raise ValidationError(errors)
