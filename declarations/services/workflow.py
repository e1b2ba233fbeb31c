"""Submission, the officers' decisions, the one state sync, and the ends of a declaration."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _

from cuakhau.errors import Conflict, DomainError, NotAllowed, NotFound
from cuakhau.notifications.services import notify
from cuakhau.transitions.permissions import require_transition
from cuakhau.transitions.services import fire, log_created_many
from declarations.fees.services import fee_assess

from .. import rules, signals
from ..models import (
    AgencyReview,
    Channel,
    Declaration,
    DeclarationState,
    DocumentKind,
    ReviewState,
)
from ..selectors import (
    REVIEWABLE_STATES,
    bulk_refusal,
    may_decide,
    officer_agency,
    operator_company,
    predecessors_pending,
)
from ._common import (
    User,
    _in_hand,
    _locked_declaration,
    _notify_owner,
    _officers,
    _operators,
    _payload,
    _require_owner,
    _reviews,
    _validation,
)
from .drafts import _check_planned_date
from .ends import declaration_close_open_ends

S = DeclarationState
R = ReviewState


# --- submission ------------------------------------------------------------------------------
def _check_complete(declaration: Declaration) -> None:
    errors: dict[str, Any] = {}
    if declaration.direction != "empty" and not declaration.cargo_lines.exists():
        errors["cargo_lines"] = [_("Add at least one cargo line.")]
    present = {d.kind for d in declaration.documents.all()}
    missing = [k for k in rules.required_documents(declaration) if k not in present]
    if missing:
        labels = ", ".join(str(DocumentKind(k).label) for k in missing)
        errors["documents"] = [_("Upload the required documents: %(kinds)s.") % {"kinds": labels}]
    if declaration.vehicle.company_id != declaration.company_id:
        errors["vehicle"] = [_("Choose one of your company's vehicles.")]
    if not declaration.gate.serves(declaration.direction):
        errors["direction"] = [_("This gate does not serve this direction.")]
    _check_planned_date(declaration.planned_date, errors)
    _validation(errors)


def _open_reviews(
    declaration: Declaration,
    agencies: list[str],
    actor: Any,
    *,
    existing: list[AgencyReview],
    now: dt.datetime,
) -> list[AgencyReview]:
    """Create the reviews of newly required agencies (`existing`: the declaration's reviews),
    in one INSERT with their clocks already started when no predecessor is waiting, and their
    birth states logged (one row each); returns the new ones."""
    have = {r.agency for r in existing}
    new = [AgencyReview(declaration=declaration, agency=a) for a in agencies if a not in have]
    if new:
        _start_clocks(declaration, new, [*existing, *new], now)
        AgencyReview.objects.bulk_create(new)
        log_created_many(new, actor=actor)
    return new


def _start_clocks(
    declaration: Declaration, candidates: list[AgencyReview], reviews: list[AgencyReview], now: dt.datetime
) -> list[AgencyReview]:
    """Set the clock of the pending `candidates` whose predecessors (among `reviews`) all
    approved, on the objects only; returns them."""
    ready = [
        review
        for review in candidates
        if review.state == R.PENDING and review.ready_at is None and not predecessors_pending(review, reviews)
    ]
    if ready:
        hours = rules.targets_hours(declaration.gate, [r.agency for r in ready])
        for review in ready:
            review.ready_at = now
            review.due_at = now + dt.timedelta(hours=float(hours[review.agency]))
            review.overdue_notified_at = None
    return ready


def _schedule_ready(
    declaration: Declaration, reviews: list[AgencyReview], now: dt.datetime
) -> list[AgencyReview]:
    """Start the clock of pending reviews whose predecessors all approved; returns them."""
    started = _start_clocks(declaration, reviews, reviews, now)
    for review in started:
        review.save(update_fields=["ready_at", "due_at", "overdue_notified_at"])
    return started


def declaration_submit(*, actor: Any, declaration: Declaration | int, for_reply: bool = False) -> Declaration:
    """draft → submitted: completeness, required agencies, channel, reviews, notifications.

    1. Lock the actor's company's declaration (another's is not found, and not locked), check
       the owner, the state and completeness.
    2. Assess the fee (once; no schedule in force on the planned date → `no_fee_schedule`, and
       nothing is submitted).
    3. Fire `submit`, decide required agencies and the customs channel (rules.py).
    4. Create one review per agency, the clocks of those without predecessors started.
    5. Sync (green channel, start_review), notify.
    6. Save the declaration once: the transitions fired here each logged their row, and the
       row stays locked until the end, so one UPDATE holds them all.
    The declaration returned carries its cargo lines, containers and documents as read, and
    with `for_reply` its reviews as written too: for an answer made at once, without reading
    them again (a caller that keeps the object reads the reviews afresh).
    """
    with transaction.atomic():
        company = operator_company(actor)
        pk = declaration if isinstance(declaration, int) else declaration.pk
        current = _locked_declaration(pk, company=company)
        # Its rows, read once: completeness, quarantine, the channel, the fee and the reply ask.
        prefetch_related_objects([current], "cargo_lines", "containers", "documents")
        _require_owner(actor, current)
        require_transition(current, "submit", actor)
        with rules.rules_read_once(current):
            _check_complete(current)
            # DomainError no_fee_schedule rolls back; a draft has no fee yet.
            fee_assess(declaration=current, actor=actor, first=True)
            fire(current, "submit", actor=actor, save=False)  # saved in step 6
            current.required_agencies = rules.required_agencies(current)
            current.channel, current.channel_reason = rules.customs_channel(current)
        # A draft has no reviews yet: only a submission creates them, and nothing returns to draft.
        reviews = _open_reviews(current, current.required_agencies, actor, existing=[], now=timezone.now())
        if for_reply:
            _in_hand(current, "reviews", reviews)
        _notify_submitted(current, current.required_agencies)
        sync_declaration_state(declaration=current, reviews=reviews)
        if current.state == S.SUBMITTED:
            current.save()  # no transition after `submit` saved it (start_review would have)
    return current


def _notify_submitted(declaration: Declaration, agencies: list[str]) -> None:
    notify(
        event="declaration.submitted",
        recipients=_officers(declaration.gate, agencies) + _operators(declaration),
        subject_type="declaration",
        subject_id=declaration.pk,
        payload=_payload(declaration),
        dedupe=f"round{declaration.round}",
    )


def declaration_resubmit(*, actor: Any, declaration: Declaration) -> Declaration:
    """returned → submitted: only the reviews that asked for information reopen.

    Required agencies can only grow (edited cargo may now need quarantine); approvals given
    stay; the channel decided at the first submission stays; so does the fee (`fee_assess`
    keeps the one of the first submission).
    """
    with transaction.atomic():
        current = _locked_declaration(declaration.pk)
        _require_owner(actor, current)
        require_transition(current, "resubmit", actor)
        _check_complete(current)
        fee_assess(declaration=current, actor=actor)  # DomainError no_fee_schedule: rolls back
        fire(current, "resubmit", actor=actor)
        agencies = rules.sorted_agencies([*current.required_agencies, *rules.required_agencies(current)])
        if agencies != current.required_agencies:
            current.required_agencies = agencies
            current.save(update_fields=["required_agencies", "updated"])
        now = timezone.now()
        reviews = _reviews(current)
        new = _open_reviews(current, agencies, actor, existing=reviews, now=now)
        reviews = [*reviews, *new]
        reopened = []
        for review in reviews:
            if review.state == R.INFO_REQUESTED:
                fire(review, "reopen", actor=actor, note=_("resubmitted"))
                reopened.append(review)
        _schedule_ready(current, reviews, now)
        _notify_submitted(current, sorted({r.agency for r in reopened} | {r.agency for r in new}))
        sync_declaration_state(declaration=current, reviews=reviews)
    return current


# --- the one place that moves a declaration after its reviews ----------------------------------
def sync_declaration_state(
    *, declaration: Declaration, reviews: list[AgencyReview] | None = None
) -> Declaration:
    """Recompute the declaration's state from its reviews (call with the row locked; `reviews`:
    all its reviews when the caller holds them, each with `.declaration` this object).

    1. Start the clocks of reviews whose predecessors approved; approve the customs review by
       rule when the channel is green and the review is ready (repeat: that may ready others).
    2. submitted → under_review as soon as one review left `pending` (claimed or decided).
    3. under_review → rejected if any review rejected; else → returned if any asked for
       information; else → cleared when every required review approved.
    """
    if declaration.state not in REVIEWABLE_STATES:
        return declaration
    if reviews is None:
        reviews = _reviews(declaration, lock=False)
    now = timezone.now()
    while True:
        _schedule_ready(declaration, reviews, now)
        green = [
            r
            for r in reviews
            if r.agency == "customs"
            and r.state == R.PENDING
            and r.ready_at
            and declaration.channel == Channel.GREEN
        ]
        if not green:
            break
        for review in green:
            fire(review, "approve_by_rule", actor_label=rules.GREEN_RULE_LABEL, rule=rules.GREEN_RULE_LABEL)
            _notify_owner("declaration.approved", declaration, review, rules.GREEN_RULE_LABEL)
    required = [r for r in reviews if r.agency in declaration.required_agencies]
    if declaration.state == S.SUBMITTED and any(r.state != R.PENDING for r in required):
        fire(declaration, "start_review", actor_label="system")
    if declaration.state != S.UNDER_REVIEW:
        return declaration
    states = [r.state for r in required]
    if R.REJECTED in states:
        fire(declaration, "reject", actor_label="system")
        cause = next(r for r in required if r.state == R.REJECTED)
        declaration_close_open_ends(declaration=declaration, cause=cause)
    elif R.INFO_REQUESTED in states:
        fire(declaration, "return_for_info", actor_label="system")
    elif required and all(s == R.APPROVED for s in states):
        validity = dt.timedelta(days=declaration.gate.declaration_validity_days)
        fire(declaration, "clear", actor_label="system", validity=validity)
        signals.declaration_cleared.send(sender=Declaration, declaration=declaration, actor=None)
        _notify_owner("declaration.cleared", declaration)
    return declaration


# --- officers' decisions ---------------------------------------------------------------------
def _review_for_action(actor: Any, review: AgencyReview | int) -> tuple[Declaration, AgencyReview]:
    """Lock the declaration, then the review; check the officer may act on it.

    Given the review itself (not its id), its declaration is known: a review never moves to
    another declaration. The review returned carries its declaration (gate, vehicle, company)
    and its officer, so the caller replies without reading them again.
    """
    review_pk = getattr(review, "pk", review)
    declaration_id = getattr(review, "declaration_id", None)
    if declaration_id is None:
        declaration_id = (
            AgencyReview.objects.filter(pk=review_pk).values_list("declaration_id", flat=True).first()
        )
    if declaration_id is None:
        raise NotFound(_("No such review."))
    if not officer_agency(actor):
        raise NotAllowed(_("Only customs, border guard and quarantine officers decide reviews."))
    declaration = _locked_declaration(declaration_id)
    reviews = _reviews(declaration)
    current = next((r for r in reviews if r.pk == review_pk), None)
    if current is None:
        raise NotFound(_("No such review."))
    if not may_decide(actor, current, declaration.gate_id):
        raise NotFound(_("No such review."))
    if declaration.state not in REVIEWABLE_STATES:
        raise Conflict(
            _("The declaration is %(state)s: its reviews cannot change.")
            % {"state": declaration.get_state_display()},
            code="illegal_transition",
        )
    current._all_reviews = reviews
    if isinstance(actor, User) and current.officer_id == actor.pk:
        current.officer = actor  # the holder of the claim is the actor: no read to name them
    return declaration, current


def _claim(actor: Any, current: AgencyReview, note: str = "") -> None:
    """pending → in_review for `actor`, unless an agency before this one has not approved yet."""
    require_transition(current, "claim", actor)
    waiting = predecessors_pending(current, current._all_reviews)
    if waiting:
        labels = ", ".join(str(dict(AgencyReview._meta.get_field("agency").choices)[a]) for a in waiting)
        raise Conflict(
            _("This review waits for the approval of: %(agencies)s.") % {"agencies": labels},
            code="waiting_for_predecessor",
        )
    fire(current, "claim", actor=actor, note=note, officer=actor)


def review_claim(*, actor: Any, review: AgencyReview | int) -> AgencyReview:
    with transaction.atomic():
        declaration, current = _review_for_action(actor, review)
        _claim(actor, current)
        _notify_owner("declaration.claimed", declaration, current)
        sync_declaration_state(declaration=declaration, reviews=current._all_reviews)
    return current


# What each decision fires and tells the company.
DECISIONS = {
    "approve": ("approve", "declaration.approved"),
    "reject": ("reject", "declaration.rejected"),
    "request_info": ("request_info", "declaration.info_requested"),
}
ONE_STEP_CLAIM_NOTE = "one-step decision"


def _check_claim_seen(actor: Any, current: AgencyReview, seen_officer_id: int | None) -> None:
    """Refuse to decide over a colleague's claim the officer did not see on their screen."""
    holder = current.officer_id
    if (
        current.state == R.IN_REVIEW
        and holder
        and holder != actor.pk
        and holder != seen_officer_id
        and current.officer is not None
    ):
        who = current.officer.get_full_name() or current.officer.get_username()
        raise Conflict(
            _("%(officer)s claimed this review meanwhile; look at their claim before deciding over it.")
            % {"officer": who},
            code="claimed_by_colleague",
        )


def review_decide(
    *,
    actor: Any,
    review: AgencyReview | int,
    decision: str,
    note: str = "",
    seen_officer_id: int | None = None,
) -> AgencyReview:
    """Decide in one step: claim a pending review and decide it in the same transaction.

    1. A reason is required for reject and request_info (checked before anything is locked).
    2. Lock the declaration and its reviews; check the officer's agency and gate.
    3. If a colleague holds the claim and `seen_officer_id` does not name them, refuse (409):
       an officer decides over a colleague's claim only after seeing it.
    4. A pending review is claimed first (TransitionLog row `claim` with the note
       "one-step decision"; the company is told of the decision only, not of the claim).
    5. Fire the decision (its own TransitionLog row), notify the company, sync the declaration.
    Any refusal leaves the review as it was, claim included.
    """
    return _decide(actor, review, decision, note, one_step=True, seen_officer_id=seen_officer_id)


def review_approve(*, actor: Any, review: AgencyReview | int, note: str = "") -> AgencyReview:
    """in_review → approved: the API's second step (`review_decide` claims as well)."""
    return _decide(actor, review, "approve", note)


def review_reject(*, actor: Any, review: AgencyReview | int, note: str) -> AgencyReview:
    return _decide(actor, review, "reject", note)


def review_request_info(*, actor: Any, review: AgencyReview | int, note: str) -> AgencyReview:
    return _decide(actor, review, "request_info", note)


def _decide(
    actor: Any,
    review: AgencyReview | int,
    decision: str,
    note: str,
    *,
    one_step: bool = False,
    seen_officer_id: int | None = None,
) -> AgencyReview:
    if decision not in DECISIONS:
        raise ValidationError({"decision": [_("Unknown decision.")]})
    transition, event = DECISIONS[decision]
    note = (note or "").strip()
    if transition in ("reject", "request_info") and not note:
        raise ValidationError({"note": [_("Give a reason: the company needs to know what to do.")]})
    with transaction.atomic():
        declaration, current = _review_for_action(actor, review)
        if one_step:
            _check_claim_seen(actor, current, seen_officer_id)
            if current.state == R.PENDING:
                _claim(actor, current, note=ONE_STEP_CLAIM_NOTE)
        require_transition(current, transition, actor)
        fire(current, transition, actor=actor, note=note, reason=note)
        if transition != "reject":  # a rejection ends the declaration: its end tells, once
            _notify_owner(event, declaration, current, note)
        sync_declaration_state(declaration=declaration, reviews=current._all_reviews)
    return current


@dataclass
class BulkResult:
    done: list[AgencyReview] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)  # (review id, why)


def reviews_bulk(*, actor: Any, review_ids: list[int], action: str) -> BulkResult:
    """Claim or approve several reviews, each in its own transaction; one refusal stops no other.

    Approving in bulk is the one-step decision for each review the officer may approve now
    (`selectors.bulk_refusal` says why another is left for one-by-one decision).
    """
    result = BulkResult()
    for review_id in review_ids:
        review = AgencyReview.objects.select_related("declaration", "officer").filter(pk=review_id).first()
        if review is None:
            continue
        why = bulk_refusal(actor, review, action)
        if why:
            result.refused.append((review_id, why))
            continue
        try:
            if action == "claim":
                result.done.append(review_claim(actor=actor, review=review_id))
            else:
                result.done.append(review_decide(actor=actor, review=review_id, decision="approve"))
        except (DomainError, ValidationError) as exc:
            messages_ = exc.messages if isinstance(exc, ValidationError) else [exc.detail]
            result.refused.append((review_id, " ".join(str(m) for m in messages_)))
    return result


# --- the owner's and the system's ends ----------------------------------------------------------
def declaration_cancel(*, actor: Any, declaration: Declaration, note: str = "") -> Declaration:
    with transaction.atomic():
        current = _locked_declaration(declaration.pk)
        _require_owner(actor, current)
        require_transition(current, "cancel", actor)
        fire(current, "cancel", actor=actor, note=note)
        declaration_close_open_ends(declaration=current, actor=actor, note=note)
    return current


def declaration_complete(
    *,
    declaration: Declaration,
    actor: Any = None,
    actor_label: str = "",
    locked: bool = False,
    departed: bool = False,
) -> Declaration:
    """cleared → completed: the truck crossed (called by queueing when the booking departs).

    `locked`: the caller holds the declaration's row lock in its own transaction (the kiosk's
    exit), so `declaration` is not read again and no savepoint is taken: a failure here rolls
    the caller's whole transaction back. `departed`: queueing's booking of the crossing has
    departed in that transaction, which the floors closing open ends may rely on.
    """
    with transaction.atomic(savepoint=not locked):
        current = declaration if locked else _locked_declaration(declaration.pk)
        fire(current, "complete", actor=actor, actor_label=actor_label)
        declaration_close_open_ends(declaration=current, actor=actor, departed=departed)
    return current


def declaration_expire(
    *, declaration: Declaration, actor: Any = None, actor_label: str = "system"
) -> Declaration:
    """cleared → expired: its validity passed unused (the beat sweep calls this).

    A declaration whose truck is already in the yard is in use: it does not expire (409
    `in_use`), and the sweep tries again later.
    """
    with transaction.atomic():
        current = _locked_declaration(declaration.pk)
        if current.valid_until and current.valid_until > timezone.now():
            raise Conflict(_("The declaration is still valid."), code="still_valid")
        held = [
            reason
            for _r, reason in signals.declaration_in_use.send(sender=Declaration, declaration=current)
            if reason
        ]
        if held:
            raise Conflict(str(held[0]), code="in_use")
        fire(current, "expire", actor=actor, actor_label=actor_label)
        declaration_close_open_ends(declaration=current, actor=actor)
    return current
