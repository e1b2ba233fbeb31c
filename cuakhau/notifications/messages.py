"""The text of every notification event, translated with gettext (vi, en, zh-hans).

Each event has a title and a body; placeholders come from the notification's payload. A missing
placeholder never breaks a send: it is shown empty.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from cuakhau.accounts.roles import Agency

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
    "declaration.completed": (
        _("Declaration %(number)s completed"),
        _("%(plate)s crossed the border at %(gate)s; declaration %(number)s is completed."),
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


# Fragments of a body: what else an event closed or changed (a declaration's end lists them),
# appended to its notification in the reader's language (`payload["also"]`: [[key, values]]).
FRAGMENTS: dict[str, Any] = {
    "end.reviews_closed": _("The agencies' open reviews are closed."),
    "end.booking_cancelled": _(
        "The booking of %(plate)s at %(gate)s for %(window)s is cancelled and its place freed."
    ),
    "end.booking_withdrawn": _(
        "%(plate)s cannot cross with this declaration: its booking is closed and the truck leaves the yard."
    ),
    "end.waitlist_left": _("It no longer waits for a place on any waitlist."),
    "end.fee_not_due": _("The fee of %(amount)s VND is no longer due: do not pay it."),
    "end.fee_refundable": _("The fee already paid (%(amount)s VND) can be refunded: ask the gate's manager."),
}


def every_language(make: Callable[[], Any]) -> dict[str, str]:
    """`make()` in each project language, for a payload's `<key>_i18n`: a text built from data
    (a gate's name, a rule in words) that the reader sees in their own language."""
    texts = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            texts[code] = str(make())
    return texts


def supported_language(language: str | None) -> str:
    """The project language closest to `language` ("zh", "zh-cn" → "zh-hans"); else the default."""
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
    language = supported_language(language)
    values = _values(payload, language)
    with translation.override(language):
        try:
            text = (str(body) % values).strip() if body else ""
            title_text = " ".join((str(title) % values).split())
        except (KeyError, TypeError, ValueError):
            return str(title), str(body)
        # What else an event closed or changed: fragments rendered in the same language.
        for item in payload.get("also") or []:
            try:
                key, extra = item
                fragment = (str(FRAGMENTS[key]) % _values(extra, language)).strip()
                if text and text[-1] not in ".!?。！？":
                    text += "。" if language.startswith("zh") else "."
                text = f"{text} {fragment}".strip()
            except (KeyError, TypeError, ValueError):
                continue
        return title_text, text


def _values(payload: dict[str, Any], language: str) -> defaultdict[str, Any]:
    """Placeholders of a payload: `<key>_i18n` texts in the reader's language win over `<key>`;
    an agency is named from its code in that language."""
    values = defaultdict(str, {k: "" if v is None else v for k, v in payload.items()})
    for key, texts in payload.items():
        if key.endswith("_i18n") and isinstance(texts, dict) and texts.get(language):
            values[key[: -len("_i18n")]] = texts[language]
    if payload.get("agency_code") in Agency.values:
        with translation.override(language):
            values["agency"] = str(Agency(payload["agency_code"]).label)
    return values
