"""The text of every notification event, translated with gettext (vi, en, zh-hans).

Each event has a title and a body; placeholders come from the notification's payload. A missing
placeholder never breaks a send: it is shown empty.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.utils import translation
from django.utils.translation import gettext_lazy as _

MESSAGES: dict[str, tuple[Any, Any]] = {
    "declaration.submitted": (
        _("Declaration %(number)s submitted"),
        _("Declaration %(number)s for %(plate)s at %(gate)s was submitted and awaits review."),
    ),
    "declaration.claimed": (
        _("Declaration %(number)s: review started"),
        _("%(agency)s started reviewing declaration %(number)s."),
    ),
    "declaration.approved": (
        _("Declaration %(number)s: %(agency)s approved"),
        _("%(agency)s approved declaration %(number)s. %(note)s"),
    ),
    "declaration.rejected": (
        _("Declaration %(number)s rejected"),
        _("%(agency)s rejected declaration %(number)s: %(note)s"),
    ),
    "declaration.info_requested": (
        _("Declaration %(number)s: information requested"),
        _("%(agency)s asks for more information on declaration %(number)s: %(note)s"),
    ),
    "declaration.cleared": (
        _("Declaration %(number)s cleared"),
        _("Declaration %(number)s for %(plate)s is cleared by every agency."),
    ),
    "declaration.cancelled": (
        _("Declaration %(number)s cancelled"),
        _("Declaration %(number)s was cancelled. %(note)s"),
    ),
    "declaration.expired": (
        _("Declaration %(number)s expired"),
        _("Declaration %(number)s was not used before its validity ended."),
    ),
    "review.overdue": (
        _("Overdue reviews at %(gate)s"),
        _("%(count)s %(agency)s review(s) at %(gate)s passed their decision-time target."),
    ),
    "booking.confirmed": (
        _("Booking confirmed: %(plate)s"),
        _("%(plate)s is booked at %(gate)s, %(window)s. Ticket %(ticket)s."),
    ),
    "booking.reminder": (
        _("Reminder: %(plate)s at %(gate)s soon"),
        _("Your slot at %(gate)s starts %(window)s. Arrive at the yard on time."),
    ),
    "booking.moved": (
        _("Booking moved: %(plate)s"),
        _("The gate changed capacity; %(plate)s now has the slot %(window)s. %(note)s"),
    ),
    "booking.cancelled": (
        _("Booking cancelled: %(plate)s"),
        _("The booking of %(plate)s for %(window)s was cancelled. %(note)s"),
    ),
    "booking.checked_in": (
        _("%(plate)s is in the yard"),
        _("%(plate)s entered the yard at %(gate)s; queue number %(queue_position)s."),
    ),
    "booking.called": (
        _("%(plate)s: go to the lane"),
        _("%(plate)s is called to the border lane at %(gate)s now."),
    ),
    "booking.no_show": (
        _("Missed slot: %(plate)s"),
        _("%(plate)s did not enter the yard during %(window)s; the booking is closed."),
    ),
    "booking.late": (
        _("%(plate)s may miss its slot"),
        _(
            "%(plate)s is %(distance)s km from %(gate)s and expected about %(eta)s, after its "
            "entry window %(window)s closes. Rebook in one tap to %(offer)s, the first slot it "
            "can reach."
        ),
    ),
    "booking.late_no_slot": (
        _("%(plate)s may miss its slot"),
        _(
            "%(plate)s is %(distance)s km from %(gate)s and expected about %(eta)s, after its "
            "entry window %(window)s closes. No later slot has room yet: rebook or cancel."
        ),
    ),
    "booking.waitlist_offer": (
        _("A place freed up at %(gate)s"),
        _("A place is free at %(gate)s, %(window)s. Book it in the portal."),
    ),
    "fee.paid": (
        _("Fee paid for declaration %(number)s"),
        _("%(amount)s VND received for declaration %(number)s (%(reference)s)."),
    ),
    "fee.refunded": (
        _("Fee refunded for declaration %(number)s"),
        _("%(amount)s VND of the fee of declaration %(number)s is refunded: %(note)s"),
    ),
}


def supported_language(language: str | None) -> str:
    """The project language closest to `language` ("zh", "zh-cn" → "zh-hans"); else the default."""
    from django.conf import settings

    try:
        return translation.get_supported_language_variant(language or settings.LANGUAGE_CODE)
    except LookupError:
        return settings.LANGUAGE_CODE


def render(event: str, payload: dict[str, Any], language: str) -> tuple[str, str]:
    """Title and body of an event in a language; unknown events fall back to the event name.

    A placeholder missing from the payload is shown empty, a malformed template falls back to its
    raw text: a notification is never lost to a formatting mistake.
    """
    title, body = MESSAGES.get(event, (event, ""))
    values = defaultdict(str, {k: "" if v is None else v for k, v in payload.items()})
    with translation.override(supported_language(language)):
        try:
            return " ".join((str(title) % values).split()), (str(body) % values).strip() if body else ""
        except (KeyError, TypeError, ValueError):
            return str(title), str(body)
