"""Property-based: random transitions by random actors, invariants checked after every step.

Invariants:
1. a declaration is cleared (or went on to completed/expired) iff every required review approved
   while it was under review: an open declaration never has all its reviews approved;
2. returned ⇒ some review asked for information; rejected ⇒ some review rejected;
3. no review is decided after the declaration was cancelled;
4. the TransitionLog of the declaration and of each review replays, from the birth state, to the
   current state (each entry starts where the previous one ended).
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from cuakhau.accounts.roles import Agency, Role
from cuakhau.errors import DomainError
from cuakhau.transitions.services import history
from declarations import services
from declarations.models import Declaration, RuleKind
from tests import factories

from .conftest import MACHINES, make_rule, new_draft

pytestmark = pytest.mark.django_db

ACTOR_NAMES = [
    "owner",
    "other_owner",
    "customs",
    "border_guard",
    "quarantine",
    "customs_elsewhere",
    "anonymous",
]
OPEN = {"submitted", "under_review", "returned"}
DONE_FROM_CLEARED = {"cleared", "completed", "expired"}


def make_machine(actors: dict) -> type[RuleBasedStateMachine]:
    class DeclarationMachine(RuleBasedStateMachine):
        @initialize(green=st.booleans(), gate_order=st.sampled_from([[], ["quarantine", "customs"]]))
        def start(self, green: bool, gate_order: list[str]) -> None:
            from vehicles.models import Gate

            Gate.objects.filter(code="HUU_NGHI").update(review_order=gate_order)
            from declarations.models import RoutingRule

            RoutingRule.objects.all().delete()
            if not green:
                make_rule(RuleKind.YELLOW_PREFIXES, "08,84")
            self.declaration = new_draft(actors["owner"])
            self.cancel_log_id: int | None = None

        def _try(self, call) -> None:  # type: ignore[no-untyped-def]
            try:
                call()
            except (DomainError, ValidationError):
                pass  # a refusal must leave everything as it was: the invariants check it

        @rule(
            action=st.sampled_from(["submit", "resubmit", "cancel", "edit"]), who=st.sampled_from(ACTOR_NAMES)
        )
        def owner_action(self, action: str, who: str) -> None:
            actor, d = actors[who], self.declaration
            calls = {
                "submit": lambda: services.declaration_submit(actor=actor, declaration=d),
                "resubmit": lambda: services.declaration_resubmit(actor=actor, declaration=d),
                "cancel": lambda: services.declaration_cancel(actor=actor, declaration=d),
                "edit": lambda: services.declaration_update(
                    actor=actor, declaration=d, cargo_lines=[MACHINES]
                ),
            }
            self._try(calls[action])
            d.refresh_from_db()
            if d.state == "cancelled" and self.cancel_log_id is None:
                self.cancel_log_id = history(d).last().pk

        @rule(
            agency=st.sampled_from(["customs", "border_guard", "quarantine"]),
            action=st.sampled_from(["claim", "approve", "reject", "request_info"]),
            who=st.sampled_from(ACTOR_NAMES),
            # officers of the review's agency act far more often, so the machine goes somewhere
            own_agency=st.booleans(),
        )
        def review_action(self, agency: str, action: str, who: str, own_agency: bool) -> None:
            review = self.declaration.reviews.filter(agency=agency).first()
            if review is None:
                return
            actor = actors[agency] if own_agency else actors[who]
            service = getattr(services, f"review_{action}")
            kwargs = {"note": "because"} if action != "claim" else {}
            self._try(lambda: service(actor=actor, review=review, **kwargs))

        @rule(
            agency=st.sampled_from(["customs", "border_guard", "quarantine"]),
            decision=st.sampled_from(["approve", "approve", "approve", "approve", "reject", "request_info"]),
        )
        def officer_moves_on(self, agency: str, decision: str) -> None:
            """The agency's officer takes the natural next step: claim, then mostly approve."""
            review = self.declaration.reviews.filter(agency=agency).first()
            if review is None:
                return
            actor = actors[agency]
            if review.state == "pending":
                self._try(lambda: services.review_claim(actor=actor, review=review))
                review.refresh_from_db()
            if review.state == "in_review":
                service = getattr(services, f"review_{decision}")
                self._try(lambda: service(actor=actor, review=review, note="because"))

        @rule()
        def owner_moves_on(self) -> None:
            self.declaration.refresh_from_db()
            call = (
                services.declaration_resubmit
                if self.declaration.state == "returned"
                else services.declaration_submit
            )
            self._try(lambda: call(actor=actors["owner"], declaration=self.declaration))

        @rule()
        def truck_crosses(self) -> None:
            self._try(
                lambda: services.declaration_complete(declaration=self.declaration, actor_label="queueing")
            )

        @invariant()
        def cleared_iff_all_required_approved(self) -> None:
            d = Declaration.objects.get(pk=self.declaration.pk)
            required = list(d.reviews.filter(agency__in=d.required_agencies).values_list("state", flat=True))
            all_approved = bool(required) and all(s == "approved" for s in required)
            event(f"reached {d.state}")
            if d.state in DONE_FROM_CLEARED:
                assert all_approved
            if d.state in OPEN:
                assert not all_approved
            if d.state == "returned":
                assert "info_requested" in required
            if d.state == "rejected":
                assert "rejected" in required
            if d.state == "draft":
                assert not required

        @invariant()
        def no_review_decided_after_cancel(self) -> None:
            if self.cancel_log_id is None:
                return
            for review in self.declaration.reviews.all():
                # The cancellation itself closes the open reviews, once; nothing decides after.
                after = history(review).filter(pk__gt=self.cancel_log_id)
                assert list(after.values_list("transition", flat=True)) in ([], ["close"])
                assert review.state != "pending" and review.state != "in_review"

        @invariant()
        def log_replays_to_the_current_state(self) -> None:
            d = Declaration.objects.get(pk=self.declaration.pk)
            for obj in [d, *d.reviews.all()]:
                state = ""
                for entry in history(obj).order_by("pk"):
                    assert entry.source == state, (obj, entry)
                    state = entry.target
                assert state == obj.state

    return DeclarationMachine


def test_random_transitions_keep_the_workflow_invariants(owner, other_owner):
    officers = {
        agency: factories.staff_user(role, agency, gates=["HUU_NGHI"])
        for agency, role in [
            (Agency.CUSTOMS, Role.CUSTOMS),
            (Agency.BORDER_GUARD, Role.BORDER_GUARD),
            (Agency.QUARANTINE, Role.QUARANTINE),
        ]
    }
    actors = {
        "owner": owner,
        "other_owner": other_owner,
        **{str(k): v for k, v in officers.items()},
        "customs_elsewhere": factories.staff_user(Role.CUSTOMS, Agency.CUSTOMS, gates=["COC_NAM"]),
        "anonymous": AnonymousUser(),
    }
    run_state_machine_as_test(
        make_machine(actors),
        settings=settings(
            max_examples=30,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
            database=None,
        ),
    )
