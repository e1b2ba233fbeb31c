"""Role × transition matrix: every actor tries every transition from every source state.

For each (source state, transition) the denied actors go first and must leave everything as it
was (state, reviews, transition log); then the one actor allowed, if the state allows it at all,
must succeed. Denials: another company's declaration or a review outside the officer's agency or
gates is NotFound (404); a role that never does this is NotAllowed (403); a right actor at the
wrong moment is Conflict (409). "Everything" includes the notification outbox: a refused
transition tells nobody anything.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser

from cuakhau.errors import Conflict, NotAllowed, NotFound
from cuakhau.notifications.models import Notification
from cuakhau.transitions.models import TransitionLog
from declarations import services
from declarations.models import Declaration

from .conftest import MACHINES, approve_all, new_draft, review_of, yellow_always

pytestmark = pytest.mark.django_db

DECLARATION_STATES = [
    "draft", "submitted", "under_review", "returned", "rejected", "cleared", "cancelled", "completed", "expired",
]  # fmt: skip


@pytest.fixture
def actors(owner, other_owner, officers, far_officer, gate_staff, gate_manager):  # type: ignore[no-untyped-def]
    return {
        "owner": owner,
        "other_owner": other_owner,
        "customs": officers["customs"],
        "border_guard": officers["border_guard"],
        "quarantine": officers["quarantine"],
        "customs_elsewhere": far_officer,
        "gate_staff": gate_staff,
        "gate_manager": gate_manager,
        "anonymous": AnonymousUser(),
    }


def build(state: str, owner, officers) -> Declaration:  # type: ignore[no-untyped-def]
    """A declaration in `state`, reached through the services (fruit: three agencies)."""
    yellow_always()
    declaration = new_draft(owner)
    if state == "draft":
        return declaration
    if state == "cancelled":
        return services.declaration_cancel(actor=owner, declaration=declaration)
    services.declaration_submit(actor=owner, declaration=declaration)
    customs = review_of(declaration, "customs")
    if state == "under_review":
        services.review_claim(actor=officers["border_guard"], review=review_of(declaration, "border_guard"))
    elif state in ("returned", "rejected"):
        services.review_claim(actor=officers["customs"], review=customs)
        decide = services.review_request_info if state == "returned" else services.review_reject
        decide(actor=officers["customs"], review=customs, note="reason")
    elif state in ("cleared", "completed", "expired"):
        approve_all(declaration, officers)
        declaration.refresh_from_db()
        if state == "completed":
            services.declaration_complete(declaration=declaration, actor_label="queueing")
        elif state == "expired":
            with time_machine.travel(declaration.valid_until + dt.timedelta(minutes=1)):
                services.declaration_expire(declaration=declaration)
    declaration.refresh_from_db()
    assert declaration.state == state
    return declaration


def snapshot(declaration: Declaration) -> tuple:
    declaration.refresh_from_db()
    return (
        declaration.state,
        declaration.round,
        sorted(declaration.reviews.values_list("agency", "state")),
        TransitionLog.objects.count(),
        list(declaration.cargo_lines.values_list("hs_code", flat=True)),
        declaration.documents.count(),
        Notification.objects.count(),
    )


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40

OWNER_TRANSITIONS = {
    "submit": lambda actor, d: services.declaration_submit(actor=actor, declaration=d),
    "resubmit": lambda actor, d: services.declaration_resubmit(actor=actor, declaration=d),
    "cancel": lambda actor, d: services.declaration_cancel(actor=actor, declaration=d),
    "edit": lambda actor, d: services.declaration_update(actor=actor, declaration=d, cargo_lines=[MACHINES]),
    "add_document": lambda actor, d: services.document_add(
        actor=actor, declaration=d, kind="invoice", file=PNG
    ),
}
OWNER_ALLOWED = {
    "submit": {"draft"},
    "resubmit": {"returned"},
    "cancel": {"draft", "submitted", "under_review", "returned", "cleared"},
    "edit": {"draft", "returned"},
    "add_document": {"draft", "returned"},
}
NOT_ALLOWED = (
    "customs",
    "border_guard",
    "quarantine",
    "customs_elsewhere",
    "gate_staff",
    "gate_manager",
    "anonymous",
)


@pytest.mark.parametrize("state", DECLARATION_STATES)
@pytest.mark.parametrize("transition", list(OWNER_TRANSITIONS))
def test_owner_transitions(state, transition, actors, owner, officers):
    declaration = build(state, owner, officers)
    before = snapshot(declaration)
    run = OWNER_TRANSITIONS[transition]
    with pytest.raises(NotFound):
        run(actors["other_owner"], declaration)
    for name in NOT_ALLOWED:
        with pytest.raises(NotAllowed):
            run(actors[name], declaration)
    assert snapshot(declaration) == before
    if state in OWNER_ALLOWED[transition]:
        run(owner, declaration)
        assert snapshot(declaration) != before
    else:
        with pytest.raises(Conflict):
            run(owner, declaration)
        assert snapshot(declaration) == before


# (declaration state, customs review state) and how to get there from a fresh fruit draft
REVIEW_SCENARIOS = {
    ("submitted", "pending"): [],
    ("under_review", "pending"): [("claim", "border_guard")],
    ("under_review", "in_review"): [("claim", "customs")],
    ("under_review", "approved"): [("claim", "customs"), ("approve", "customs")],
    ("returned", "info_requested"): [("claim", "customs"), ("request_info", "customs")],
    ("returned", "in_review"): [
        ("claim", "customs"),
        ("claim", "quarantine"),
        ("request_info", "quarantine"),
    ],
    ("rejected", "rejected"): [("claim", "customs"), ("reject", "customs")],
    ("cancelled", "closed"): [("claim", "customs"), ("cancel", "owner")],
    ("cleared", "approved"): [("all", "")],
    ("draft", None): None,
}
REVIEW_TRANSITIONS = {
    "claim": lambda actor, r: services.review_claim(actor=actor, review=r),
    "approve": lambda actor, r: services.review_approve(actor=actor, review=r, note="ok"),
    "reject": lambda actor, r: services.review_reject(actor=actor, review=r, note="no"),
    "request_info": lambda actor, r: services.review_request_info(actor=actor, review=r, note="more"),
}


def review_allowed(state: str, review_state: str, transition: str) -> bool:
    if state not in ("submitted", "under_review"):
        return False
    return review_state == ("pending" if transition == "claim" else "in_review")


@pytest.mark.parametrize("scenario", [s for s, steps in REVIEW_SCENARIOS.items() if steps is not None])
@pytest.mark.parametrize("transition", list(REVIEW_TRANSITIONS))
def test_review_transitions(scenario, transition, actors, owner, officers):
    yellow_always()
    declaration = new_draft(owner)
    services.declaration_submit(actor=owner, declaration=declaration)
    for step, who in REVIEW_SCENARIOS[scenario]:
        if step == "all":
            approve_all(declaration, officers)
        elif step == "cancel":
            services.declaration_cancel(actor=owner, declaration=declaration)
        else:
            REVIEW_TRANSITIONS[step](officers[who], review_of(declaration, who))
    review = review_of(declaration, "customs")
    declaration.refresh_from_db()
    assert (declaration.state, review.state) == scenario
    before = snapshot(declaration)
    run = REVIEW_TRANSITIONS[transition]
    for name in ("border_guard", "quarantine", "customs_elsewhere"):
        with pytest.raises(NotFound):
            run(actors[name], review)
    for name in ("owner", "other_owner", "gate_staff", "gate_manager", "anonymous"):
        with pytest.raises(NotAllowed):
            run(actors[name], review)
    assert snapshot(declaration) == before
    if review_allowed(*scenario, transition):
        run(actors["customs"], review)
        review.refresh_from_db()
        assert review.state == {"claim": "in_review", "approve": "approved", "reject": "rejected",
                                "request_info": "info_requested"}[transition]  # fmt: skip
    else:
        with pytest.raises(Conflict):
            run(actors["customs"], review)
        assert snapshot(declaration) == before


def test_system_transitions_complete_and_expire_only_from_cleared(owner, officers):
    for state in ("draft", "submitted", "cancelled"):
        declaration = build(state, owner, officers)
        with pytest.raises(Conflict):
            services.declaration_complete(declaration=declaration)
        with pytest.raises(Conflict):
            services.declaration_expire(declaration=declaration)
    cleared = build("cleared", owner, officers)
    with pytest.raises(Conflict):  # still valid
        services.declaration_expire(declaration=cleared)
    assert services.declaration_complete(declaration=cleared, actor_label="queueing").state == "completed"
