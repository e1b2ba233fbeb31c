"""The declaration workflow through its services: submit, reviews, the declaration following them."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from cuakhau.errors import Conflict, NotAllowed, NotFound
from cuakhau.notifications.models import Notification
from cuakhau.transitions.services import history
from declarations import services, signals
from declarations.models import RuleKind
from tests import factories
from vehicles.models import Gate

from .conftest import MACHINES, approve_all, make_rule, new_draft, review_of, yellow_always

pytestmark = pytest.mark.django_db


def test_submitting_fruit_requires_customs_border_guard_and_quarantine(owner, draft):
    yellow_always()
    declaration = services.declaration_submit(actor=owner, declaration=draft)
    assert declaration.state == "submitted"
    assert declaration.required_agencies == ["customs", "border_guard", "quarantine"]
    assert sorted(declaration.reviews.values_list("agency", "state")) == [
        ("border_guard", "pending"),
        ("customs", "pending"),
        ("quarantine", "pending"),
    ]
    assert all(r.due_at == r.ready_at + dt.timedelta(hours=2) for r in declaration.reviews.all())


def test_green_channel_approves_customs_by_rule_and_logs_it(owner):
    declaration = services.declaration_submit(actor=owner, declaration=new_draft(owner, lines=[MACHINES]))
    assert declaration.channel == "green"
    customs = review_of(declaration, "customs")
    assert customs.state == "approved"
    assert declaration.state == "under_review"  # a review decided by rule starts the review
    entry = history(customs).last()
    assert (entry.transition, entry.actor_label) == ("approve_by_rule", "rule:green-channel")
    assert history(declaration).filter(transition="start_review", actor_label="system").exists()


def test_declaration_clears_when_every_required_review_approved(owner, draft, officers):
    yellow_always()
    services.declaration_submit(actor=owner, declaration=draft)
    received = []

    def receiver(**kwargs):
        received.append(kwargs["declaration"].pk)

    signals.declaration_cleared.connect(receiver)
    try:
        approve_all(draft, officers)
    finally:
        signals.declaration_cleared.disconnect(receiver)
    draft.refresh_from_db()
    assert draft.state == "cleared"
    assert received == [draft.pk]
    assert draft.valid_until == draft.cleared_at + dt.timedelta(days=draft.gate.declaration_validity_days)
    assert Notification.objects.filter(recipient=owner, event="declaration.cleared").exists()


def test_first_claim_starts_the_review_and_notifies_the_owner(owner, draft, officers):
    yellow_always()
    services.declaration_submit(actor=owner, declaration=draft)
    services.review_claim(actor=officers["border_guard"], review=review_of(draft, "border_guard"))
    draft.refresh_from_db()
    assert draft.state == "under_review"
    assert Notification.objects.filter(recipient=owner, event="declaration.claimed").count() == 1


def test_submit_notifies_the_officers_of_the_required_agencies_at_that_gate(
    owner, draft, officers, far_officer
):
    yellow_always()
    services.declaration_submit(actor=owner, declaration=draft)
    told = set(Notification.objects.filter(event="declaration.submitted").values_list("recipient", flat=True))
    assert {o.pk for o in officers.values()} | {owner.pk} == told
    assert far_officer.pk not in told


def test_a_rejection_rejects_the_declaration(owner, draft, officers):
    yellow_always()
    services.declaration_submit(actor=owner, declaration=draft)
    review = review_of(draft, "quarantine")
    services.review_claim(actor=officers["quarantine"], review=review)
    services.review_reject(
        actor=officers["quarantine"], review=review, note="Phytosanitary certificate forged"
    )
    draft.refresh_from_db()
    review.refresh_from_db()
    assert (draft.state, review.state, review.note) == (
        "rejected",
        "rejected",
        "Phytosanitary certificate forged",
    )


@pytest.mark.parametrize("action", ["review_reject", "review_request_info"])
def test_reject_and_request_info_need_a_reason(owner, draft, officers, action):
    yellow_always()
    services.declaration_submit(actor=owner, declaration=draft)
    review = review_of(draft, "customs")
    services.review_claim(actor=officers["customs"], review=review)
    with pytest.raises(ValidationError):
        getattr(services, action)(actor=officers["customs"], review=review, note="   ")
    review.refresh_from_db()
    assert review.state == "in_review"


def test_resubmission_reopens_only_the_reviews_that_asked(owner, draft, officers):
    yellow_always()
    services.declaration_submit(actor=owner, declaration=draft)
    customs, guard, quarantine = (review_of(draft, a) for a in ("customs", "border_guard", "quarantine"))
    services.review_claim(actor=officers["border_guard"], review=guard)
    services.review_approve(actor=officers["border_guard"], review=guard)
    services.review_claim(actor=officers["customs"], review=customs)
    services.review_request_info(actor=officers["customs"], review=customs, note="Upload the invoice")
    draft.refresh_from_db()
    assert draft.state == "returned"
    services.declaration_update(actor=owner, declaration=draft, containers=["CSQU3054383"])
    services.declaration_resubmit(actor=owner, declaration=draft)
    draft.refresh_from_db()
    states = dict(draft.reviews.values_list("agency", "state"))
    assert states == {"customs": "pending", "border_guard": "approved", "quarantine": "pending"}
    assert draft.state == "under_review"  # an approval stands, so the review is under way
    assert draft.round == 2
    customs.refresh_from_db()
    assert customs.officer is None and customs.ready_at is not None


def test_a_returned_declaration_keeps_the_vehicle_and_driver_the_border_guard_approved(
    owner, company, draft, officers
):
    yellow_always()
    services.declaration_submit(actor=owner, declaration=draft)
    guard, customs = review_of(draft, "border_guard"), review_of(draft, "customs")
    services.review_claim(actor=officers["border_guard"], review=guard)
    services.review_approve(actor=officers["border_guard"], review=guard)
    services.review_claim(actor=officers["customs"], review=customs)
    services.review_request_info(actor=officers["customs"], review=customs, note="Upload the invoice")
    draft.refresh_from_db()
    vehicle, driver = draft.vehicle_id, draft.driver_id
    for field, other in (
        ("vehicle", factories.VehicleFactory(company=company)),
        ("driver", factories.DriverFactory(company=company)),
    ):
        with pytest.raises(ValidationError) as err:
            services.declaration_update(actor=owner, declaration=draft, **{field: other.pk})
        assert field in err.value.message_dict
    draft.refresh_from_db()
    assert (draft.vehicle_id, draft.driver_id) == (vehicle, driver)
    # the same ones again, and other edits, are fine
    services.declaration_update(actor=owner, declaration=draft, vehicle=vehicle, driver=driver, containers=[])


def test_a_returned_declaration_may_change_its_vehicle_while_the_border_guard_has_not_approved(
    owner, company, draft, officers
):
    yellow_always()
    services.declaration_submit(actor=owner, declaration=draft)
    guard = review_of(draft, "border_guard")
    services.review_claim(actor=officers["border_guard"], review=guard)
    services.review_request_info(actor=officers["border_guard"], review=guard, note="Another truck, please")
    other = factories.VehicleFactory(company=company)
    services.declaration_update(actor=owner, declaration=draft, vehicle=other.pk)
    draft.refresh_from_db()
    assert draft.vehicle_id == other.pk


def test_a_gate_order_makes_customs_wait_for_quarantine(owner, draft, officers):
    yellow_always()
    Gate.objects.filter(code="HUU_NGHI").update(review_order=["quarantine", "customs"])
    draft.refresh_from_db()
    services.declaration_submit(actor=owner, declaration=draft)
    customs = review_of(draft, "customs")
    assert customs.ready_at is None
    with pytest.raises(Conflict) as err:
        services.review_claim(actor=officers["customs"], review=customs)
    assert err.value.code == "waiting_for_predecessor"
    quarantine = review_of(draft, "quarantine")
    services.review_claim(actor=officers["quarantine"], review=quarantine)
    services.review_approve(actor=officers["quarantine"], review=quarantine)
    customs.refresh_from_db()
    assert customs.ready_at is not None
    services.review_claim(actor=officers["customs"], review=customs)


def test_green_channel_waits_for_the_predecessors_of_customs(owner, officers):
    Gate.objects.filter(code="HUU_NGHI").update(review_order=["border_guard", "customs"])
    declaration = services.declaration_submit(actor=owner, declaration=new_draft(owner, lines=[MACHINES]))
    assert review_of(declaration, "customs").state == "pending"
    guard = review_of(declaration, "border_guard")
    services.review_claim(actor=officers["border_guard"], review=guard)
    services.review_approve(actor=officers["border_guard"], review=guard)
    declaration.refresh_from_db()
    assert review_of(declaration, "customs").state == "approved"
    assert declaration.state == "cleared"


def test_submit_needs_a_cargo_line_and_the_documents_the_gate_requires(owner):
    empty = new_draft(owner, lines=[])
    with pytest.raises(ValidationError) as err:
        services.declaration_submit(actor=owner, declaration=empty)
    assert "cargo_lines" in err.value.message_dict
    make_rule(RuleKind.REQUIRED_DOCUMENT, "invoice")
    draft = new_draft(owner)
    with pytest.raises(ValidationError) as err:
        services.declaration_submit(actor=owner, declaration=draft)
    assert "documents" in err.value.message_dict
    draft.refresh_from_db()
    assert draft.state == "draft" and not draft.reviews.exists()


def test_an_empty_return_needs_no_cargo(owner):
    declaration = services.declaration_submit(
        actor=owner, declaration=new_draft(owner, lines=[], direction="empty")
    )
    assert declaration.required_agencies == ["customs", "border_guard"]


def test_vehicle_and_driver_must_belong_to_the_company(owner, other_company):
    from tests import factories

    with pytest.raises(ValidationError) as err:
        new_draft(owner, vehicle=factories.VehicleFactory(company=other_company))
    assert "vehicle" in err.value.message_dict


def test_a_gate_must_serve_the_direction(owner):
    with pytest.raises(ValidationError) as err:
        new_draft(owner, gate="COC_NAM", direction="empty")
    assert "direction" in err.value.message_dict


def test_bad_codes_are_refused_with_field_messages(owner):
    with pytest.raises(ValidationError) as err:
        new_draft(owner, lines=[{**MACHINES, "hs_code": "77AB"}], containers=["CSQU3054384"])
    assert "cargo_lines" in err.value.message_dict and "containers" in err.value.message_dict


def test_other_company_cannot_touch_the_declaration(other_owner, draft):
    with pytest.raises(NotFound):
        services.declaration_submit(actor=other_owner, declaration=draft)
    with pytest.raises(NotFound):
        services.declaration_cancel(actor=other_owner, declaration=draft)


def test_officers_cannot_submit(customs_officer, draft):
    with pytest.raises(NotAllowed):
        services.declaration_submit(actor=customs_officer, declaration=draft)


def test_a_submitted_declaration_is_not_editable(owner, draft):
    yellow_always()
    services.declaration_submit(actor=owner, declaration=draft)
    with pytest.raises(Conflict):
        services.declaration_update(actor=owner, declaration=draft, cargo_lines=[MACHINES])


def test_cancelled_declaration_closes_its_open_reviews_and_nothing_can_decide_them(owner, draft, officers):
    yellow_always()
    services.declaration_submit(actor=owner, declaration=draft)
    review = review_of(draft, "customs")
    services.review_claim(actor=officers["customs"], review=review)
    services.declaration_cancel(actor=owner, declaration=draft, note="trip called off")
    with pytest.raises(Conflict):
        services.review_approve(actor=officers["customs"], review=review)
    review.refresh_from_db()
    assert review.state == "closed"
    assert review.note == "closed: cancelled by the company"


def test_expiry_sweep_expires_cleared_declarations_past_validity(owner, draft, officers):
    from declarations.tasks import expire_unused_declarations

    yellow_always()
    services.declaration_submit(actor=owner, declaration=draft)
    approve_all(draft, officers)
    assert expire_unused_declarations() == 0
    with time_machine.travel(timezone.now() + dt.timedelta(days=4)):
        assert expire_unused_declarations() == 1
        assert expire_unused_declarations() == 0
    draft.refresh_from_db()
    assert draft.state == "expired"


def test_overdue_reviews_are_flagged_and_managers_told_once(owner, draft, gate_manager):
    from declarations.tasks import flag_overdue_reviews

    yellow_always()
    services.declaration_submit(actor=owner, declaration=draft)
    assert flag_overdue_reviews() == 0
    with time_machine.travel(timezone.now() + dt.timedelta(hours=3)):
        assert flag_overdue_reviews() == 3
        assert flag_overdue_reviews() == 0
    told = Notification.objects.filter(recipient=gate_manager, event="review.overdue", channel="in_app")
    # one message per agency at the gate, each counting that agency's overdue reviews
    assert sorted((n.payload["agency_code"], n.payload["count"]) for n in told) == [
        ("border_guard", 1),
        ("customs", 1),
        ("quarantine", 1),
    ]


def test_complete_is_for_cleared_declarations_only(owner, draft):
    with pytest.raises(Conflict):
        services.declaration_complete(declaration=draft, actor_label="queueing")


def test_each_transition_declares_who_may_fire_it(owner, other_owner, draft, officers):
    from django_fsm import has_transition_perm

    assert has_transition_perm(draft.submit, owner)
    assert not has_transition_perm(draft.submit, other_owner)
    assert not has_transition_perm(draft.submit, officers["customs"])
    yellow_always()
    services.declaration_submit(actor=owner, declaration=draft)
    draft.refresh_from_db()
    for user in (owner, *officers.values()):
        assert not has_transition_perm(draft.start_review, user)  # only the system starts a review
    customs = review_of(draft, "customs")
    assert has_transition_perm(customs.claim, officers["customs"])
    assert not has_transition_perm(customs.claim, officers["quarantine"])
    assert not has_transition_perm(customs.approve_by_rule, officers["customs"])


def test_a_refused_fee_assessment_rolls_the_whole_submission_back(owner, draft):
    from cuakhau.errors import DomainError
    from cuakhau.transitions.models import TransitionLog
    from declarations.fees.models import FeeSchedule

    FeeSchedule.objects.update(is_active=False)
    logged = TransitionLog.objects.count()
    with pytest.raises(DomainError) as refused:
        services.declaration_submit(actor=owner, declaration=draft)
    assert refused.value.code == "no_fee_schedule"
    draft.refresh_from_db()
    assert (draft.state, draft.round, draft.reviews.count()) == ("draft", 0, 0)
    assert TransitionLog.objects.count() == logged
    assert not Notification.objects.exists()


def test_state_fields_cannot_be_set_directly(draft):
    with pytest.raises(AttributeError):
        draft.state = "cleared"
    review_state_field = draft.reviews.model._meta.get_field("state")
    assert review_state_field.protected


def test_edited_cargo_that_needs_quarantine_adds_its_review_at_resubmission(owner, officers):
    from .conftest import FRUIT

    yellow_always()
    declaration = services.declaration_submit(actor=owner, declaration=new_draft(owner, lines=[MACHINES]))
    assert declaration.required_agencies == ["customs", "border_guard"]
    customs = review_of(declaration, "customs")
    services.review_claim(actor=officers["customs"], review=customs)
    services.review_request_info(actor=officers["customs"], review=customs, note="what else is on board?")
    services.declaration_update(actor=owner, declaration=declaration, cargo_lines=[MACHINES, FRUIT])
    services.declaration_resubmit(actor=owner, declaration=declaration)
    declaration.refresh_from_db()
    assert declaration.required_agencies == ["customs", "border_guard", "quarantine"]
    assert review_of(declaration, "quarantine").state == "pending"
    told = Notification.objects.filter(event="declaration.submitted", recipient=officers["quarantine"])
    assert told.exists()
