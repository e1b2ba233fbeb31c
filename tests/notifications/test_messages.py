"""Message templates: every event of the workflow renders in every language, never breaks."""

from __future__ import annotations

import pytest
from django.utils import translation

from cuakhau.notifications.messages import MESSAGES, render, supported_language

EVENTS_OF_THE_WORKFLOW = {
    "declaration.submitted",
    "declaration.claimed",
    "declaration.approved",
    "declaration.rejected",
    "declaration.info_requested",
    "declaration.cleared",
    "declaration.cancelled",
    "declaration.expired",
    "booking.confirmed",
    "booking.reminder",
    "booking.moved",
    "booking.cancelled",
    "booking.checked_in",
    "booking.called",
    "booking.no_show",
    "booking.waitlist_offer",
    "review.overdue",
    "fee.paid",
}


def test_every_event_of_the_workflow_has_a_message() -> None:
    assert set(MESSAGES) >= EVENTS_OF_THE_WORKFLOW


@pytest.mark.parametrize("language", ["vi", "en", "zh-hans"])
@pytest.mark.parametrize("event", sorted(MESSAGES))
def test_every_message_renders_in_every_language_without_placeholders_left(event: str, language: str) -> None:
    payload = {
        "number": "TK-1",
        "plate": "12C-123.45",
        "gate": "Hữu Nghị",
        "agency": "Customs",
        "note": "ok",
        "window": "08:00-09:00",
        "ticket": "CK-1",
        "queue_position": 3,
        "count": 2,
        "amount": "1,200,000",
        "reference": "FT123",
    }
    title, body = render(event, payload, language)
    assert title and "%(" not in title and "%(" not in body


def test_a_missing_placeholder_is_shown_empty() -> None:
    assert render("booking.called", {"gate": "Hữu Nghị"}, "en") == (
        ": go to the lane",
        "is called to the border lane at Hữu Nghị now.",
    )


def test_an_unknown_event_falls_back_to_its_name() -> None:
    assert render("booking.teleported", {"plate": "x"}, "en") == ("booking.teleported", "")


def test_unknown_or_regional_languages_fall_back_to_a_project_language() -> None:
    assert supported_language("zh") == "zh-hans"
    assert supported_language("zh-cn") == "zh-hans"
    assert supported_language("en-gb") == "en"
    assert supported_language("fr") == "vi"
    assert supported_language("") == "vi"
    assert render("declaration.cleared", {"number": "TK-9"}, "fr")[0]


def test_rendering_does_not_change_the_active_language() -> None:
    with translation.override("en"):
        render("declaration.cleared", {"number": "TK-9"}, "zh-hans")
        assert translation.get_language() == "en"


def test_a_malformed_template_falls_back_to_its_raw_text(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from cuakhau.notifications import messages

    monkeypatch.setitem(messages.MESSAGES, "fee.paid", ("Paid %(amount)d VND", "Ref %(reference)s"))
    assert render("fee.paid", {"amount": "lots", "reference": "FT1"}, "en") == (
        "Paid %(amount)d VND",
        "Ref %(reference)s",
    )


def test_none_in_the_payload_is_shown_empty() -> None:
    assert render("declaration.cancelled", {"number": "TK-3", "note": None}, "en")[1] == (
        "Declaration TK-3 was cancelled."
    )
