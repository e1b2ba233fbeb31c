"""The one rule of what a declaration's end closes (rejected, cancelled, expired, completed).

Called by the services that end a declaration, inside their transaction, right after the
declaration's own transition; everything it closes commits or rolls back with the end.
"""

from __future__ import annotations

from typing import Any, cast

from django.utils import translation

from cuakhau.notifications.services import notify
from cuakhau.transitions.services import fire

from .. import signals, words
from ..models import OPEN_REVIEW_STATES, AgencyReview, Declaration, DeclarationState, ReviewState
from ..selectors import company_operators
from ._common import _payload

S = DeclarationState
ENDS = (S.REJECTED, S.CANCELLED, S.EXPIRED, S.COMPLETED)


def _told(declaration: Declaration, holders: list[Any]) -> list[Any]:
    """The company's operators, the driver's own account, and officers whose review closed."""
    people = company_operators(declaration)
    driver = declaration.driver
    if driver is not None and driver.user_id and driver.user is not None and driver.user.is_active:
        people.append(driver.user)
    people.extend(holders)
    unique: dict[int, Any] = {}
    for person in people:
        unique.setdefault(person.pk, person)
    return list(unique.values())


def declaration_close_open_ends(
    *,
    declaration: Declaration,
    actor: Any = None,
    note: str = "",
    cause: AgencyReview | None = None,
    departed: bool = False,
) -> list[dict[str, Any]]:
    """Close what the end of `declaration` leaves open, and tell its owners once.

    1. Every review still open (pending, in review, information requested) → `closed`, its note
       naming the end ("closed: rejected by border guard"); closed reviews leave every work queue.
    2. `declaration_closed` (with `state`) lets the floors above close theirs and say what they
       did: the fee (unpaid → not due), the booking (cancelled and its place offered to the
       waitlist, or withdrawn from the yard), the waitlist entries. `departed` (a completion
       by the booking that crossed, in this transaction) is passed on to them.
    3. One notification `declaration.<end>` to the company's operators, the driver and the
       officers whose claimed review closed, listing everything that was closed.

    Returns what was closed, as the message fragments sent.
    """
    state = declaration.state
    if state not in ENDS:
        raise ValueError(f"{declaration.number} has not ended (it is {state})")
    with translation.override("en"):
        reason = words.end_reason(declaration, cause=cause)
    closed: list[dict[str, Any]] = []
    holders = []
    reviews = AgencyReview.objects.select_for_update(of=("self",)).select_related("officer")
    open_reviews = list(reviews.filter(declaration=declaration, state__in=OPEN_REVIEW_STATES).order_by("id"))
    for review in open_reviews:
        if review.state == ReviewState.IN_REVIEW and review.officer is not None:
            holders.append(review.officer)
        fire(review, "close", actor_label="system", note=reason, reason=reason)
    if open_reviews:
        closed.append({"event": "end.reviews_closed", "count": len(open_reviews)})
    for _receiver, response in signals.declaration_closed.send(
        sender=Declaration,
        declaration=declaration,
        actor=actor,
        state=state,
        reason=reason,
        departed=departed,
    ):
        closed.extend(cast(list[dict[str, Any]], response or []))  # receivers return what they closed
    payload = _payload(declaration, cause, note or (cause.note if cause else ""))
    payload["also"] = [[item["event"], item] for item in closed]
    notify(
        event=f"declaration.{state}",
        recipients=_told(declaration, holders),
        subject_type="declaration",
        subject_id=declaration.pk,
        payload=payload,
        dedupe="end",
    )
    return closed
