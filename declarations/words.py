"""What people read instead of codes: the channel and its rule in words, a review's note, the
reason a declaration's end gives, what happened and what to do next.

Each is one function every page, message and API label uses; the codes themselves stay in the
API fields and URLs. Texts come out in the active language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from cuakhau.accounts.roles import Agency

from .models import AgencyReview, Channel, Declaration, DeclarationState, ReviewState
from .rules import GREEN_RULE_LABEL

S = DeclarationState
R = ReviewState


def agency_name(code: str) -> str:
    try:
        return str(Agency(code).label)
    except ValueError:
        return code


# --- the customs channel ----------------------------------------------------------------------
def channel_reason_text(reason: str) -> str:
    """The stored reason of a channel (rules.customs_channel writes it) in the reader's words."""
    reason = (reason or "").strip()
    if reason == "no risk rule matched":
        return _("company's clean record")
    if reason == "first declaration of the company":
        return _("the company's first declaration")
    match = re.fullmatch(r"HS prefix (\d+) listed", reason)
    if match:
        return _("goods of HS %(prefix)s are checked") % {"prefix": match.group(1)}
    match = re.fullmatch(r"random sample \((.+)\)", reason)
    if match:
        return _("random sample (%(rate)s)") % {"rate": match.group(1)}
    return reason


def channel_text(declaration: Declaration) -> str:
    """ "Green channel (company's clean record)"; "" before submission."""
    if not declaration.channel:
        return ""
    labels: dict[str, Any] = {
        Channel.GREEN: _("Green channel"),
        Channel.YELLOW: _("Yellow channel: documents checked"),
        Channel.RED: _("Red channel: physical inspection"),
    }
    label = labels.get(declaration.channel, declaration.get_channel_display())
    reason = channel_reason_text(declaration.channel_reason)
    return f"{label} ({reason})" if reason else str(label)


# --- reviews ----------------------------------------------------------------------------------
def _rejecting_review(declaration: Declaration) -> AgencyReview | None:
    return next((r for r in declaration.reviews.all() if r.state == R.REJECTED), None)


def end_reason(declaration: Declaration, *, cause: AgencyReview | None = None) -> str:
    """Why the open reviews of an ended declaration closed: "closed: rejected by border guard"."""
    if declaration.state == S.REJECTED:
        cause = cause or _rejecting_review(declaration)
        if cause is not None:
            return _("closed: rejected by %(agency)s") % {"agency": agency_name(cause.agency).lower()}
        return _("closed: the declaration was rejected")
    if declaration.state == S.CANCELLED:
        return _("closed: cancelled by the company")
    if declaration.state == S.EXPIRED:
        return _("closed: the declaration expired unused")
    return _("closed: the truck crossed")


def review_note_text(review: AgencyReview) -> str:
    """A review's note as people read it: a rule's decision and a closing reason in words."""
    if review.decided_by_rule == GREEN_RULE_LABEL:
        reason = channel_reason_text(review.declaration.channel_reason)
        return _("accepted by rule: green channel (%(reason)s)") % {"reason": reason}
    if review.state == R.CLOSED:
        return end_reason(review.declaration)
    return review.note


# --- the portal's "what happened, what next" ------------------------------------------------------
@dataclass
class NextStep:
    """What happened to a declaration and the one thing to do now, in words.

    `actions` names the buttons the page shows for it (a subset of what the owner may do):
    edit, submit, resubmit, copy, book, ticket.
    """

    tone: str  # "info", "ok", "warn", "bad", "done"
    happened: str
    next: str
    detail: str = ""
    actions: list[str] = field(default_factory=list)


def next_step(declaration: Declaration, *, booking: object | None = None) -> NextStep:
    """The one rule of what the portal says for each state of a declaration.

    `booking` is the declaration's live booking (queueing passes it; None when there is none).
    """
    state = declaration.state
    reviews = list(declaration.reviews.all())
    if state == S.DRAFT:
        return NextStep(
            "info",
            _("Draft: not sent to the agencies yet."),
            _("Check the vehicle, driver and cargo, add the documents, then submit it for review."),
            actions=["edit", "submit"],
        )
    if state in (S.SUBMITTED, S.UNDER_REVIEW):
        waiting = [agency_name(r.agency) for r in reviews if r.state in (R.PENDING, R.IN_REVIEW)]
        nxt = (
            _("Nothing to do now: you are told when an agency decides. You can already book a time.")
            if booking is None
            else _("Nothing to do now: your ticket says “waiting for clearance” until every agency approves.")
        )
        return NextStep(
            "info",
            _("Waiting for: %(agencies)s.") % {"agencies": ", ".join(waiting)}
            if waiting
            else _("Submitted for review."),
            nxt,
            actions=[] if booking is not None else ["book"],
        )
    if state == S.RETURNED:
        asked = [r for r in reviews if r.state == R.INFO_REQUESTED]
        detail = " ".join(f"{agency_name(r.agency)}: {r.note}" for r in asked)
        return NextStep(
            "warn",
            _("Returned: an agency asks for more information."),
            _("Edit the declaration or add the documents asked for, then submit it again."),
            detail=detail,
            actions=["edit", "resubmit"],
        )
    if state == S.REJECTED:
        cause = _rejecting_review(declaration)
        detail = f"{agency_name(cause.agency)}: {cause.note}" if cause else ""
        return NextStep(
            "bad",
            _("Rejected: this declaration cannot be used."),
            _("Copy it into a new declaration, correct what the agency refused, and submit that one."),
            detail=detail,
            actions=["copy"],
        )
    if state == S.CANCELLED:
        return NextStep(
            "done",
            _("Cancelled: nothing more happens with this declaration."),
            _("To make the trip after all, copy it into a new declaration."),
            actions=["copy"],
        )
    if state == S.EXPIRED:
        return NextStep(
            "done",
            _("Expired: it was not used before its validity ended."),
            _("Copy it into a new declaration and submit it again for a new trip."),
            actions=["copy"],
        )
    if state == S.COMPLETED:
        return NextStep(
            "ok",
            _("Completed: the truck crossed the border."),
            _("Nothing more to do. For the next trip, copy it into a new declaration."),
            actions=["copy"],
        )
    # cleared
    if booking is None:
        return NextStep(
            "ok",
            _("Cleared by every agency."),
            _("Book a time at the gate before the declaration's validity ends."),
            actions=["book"],
        )
    return NextStep(
        "ok",
        _("Cleared by every agency."),
        _("Bring the truck to the yard during the ticket's entry window and show its QR code."),
        actions=["ticket"],
    )
