"""People read names, not codes: gates in the reader's language, agencies, the channel and its
rule in words — in the portal and the notifications; the API keeps the codes."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cuakhau.accounts.models import Profile
from cuakhau.notifications.messages import render
from cuakhau.notifications.models import Notification
from declarations import services
from queueing import services as queue
from tests.queueing.conftest import make_slot

from .conftest import new_draft, review_of

pytestmark = pytest.mark.django_db


def reads(user, language: str) -> None:  # type: ignore[no-untyped-def]
    Profile.objects.update_or_create(user=user, defaults={"language": language})


@pytest.mark.parametrize(
    ("language", "gate"),
    [
        ("vi", "Cửa khẩu quốc tế Hữu Nghị"),
        ("en", "Hữu Nghị International Border Gate"),
        ("zh-hans", "友谊国际口岸"),
    ],
)
def test_a_notification_names_the_gate_in_the_readers_language_never_its_code(language, gate, owner):
    reads(owner, language)
    draft = new_draft(owner)
    services.declaration_submit(actor=owner, declaration=draft)
    message = Notification.objects.get(recipient=owner, channel="in_app", event="declaration.submitted")
    assert gate in message.body
    assert "HUU_NGHI" not in message.body + message.title


def test_the_green_channel_reads_as_the_rule_in_words_in_the_portal_and_the_message(client, owner):
    reads(owner, "en")
    draft = new_draft(owner)
    services.declaration_submit(actor=owner, declaration=draft)  # no risk rule: green
    customs = review_of(draft, "customs")
    assert (customs.state, customs.note) == ("approved", "rule:green-channel")  # the code stays stored
    client.force_login(owner)
    html = client.get(reverse("declarations:detail", args=[draft.pk])).content.decode()
    assert "accepted by rule: green channel (company&#x27;s clean record)" in html
    assert "Green channel (company&#x27;s clean record)" in html
    assert "rule:green-channel" not in html
    approved = Notification.objects.get(recipient=owner, channel="in_app", event="declaration.approved")
    assert approved.body == (
        f"Customs approved declaration {draft.number}. accepted by rule: green channel (company's clean record)"
    )
    # The API keeps the codes.
    client.force_login(owner)
    api = client.get(f"/api/v1/declarations/{draft.pk}/").json()
    assert api["gate"] == "HUU_NGHI" and api["channel"] == "green"


def test_an_agency_is_named_in_the_readers_language_whatever_the_deciders_language():
    payload = {"number": "TK0000001", "agency": "Customs", "agency_code": "border_guard", "note": "x"}
    assert (
        render("declaration.rejected", payload, "en")[1] == "Border guard rejected declaration TK0000001: x"
    )
    assert render("declaration.rejected", payload, "vi")[1].startswith("Biên phòng ")


def test_the_bookings_list_and_the_slot_picker_name_the_gate(client, owner, company, gate):
    from tests.queueing.conftest import make_declaration

    booking = queue.booking_create(declaration=make_declaration(company), slot=make_slot(gate), actor=owner)
    client.force_login(owner)
    listing = client.get(reverse("queueing-bookings")).content.decode()
    assert "Hữu Nghị International Border Gate" in listing
    assert ">HUU_NGHI<" not in listing
    ticket = client.get(reverse("queueing-booking", args=[booking.pk])).content.decode()
    assert "Hữu Nghị International Border Gate" in ticket
    zh = client.get(reverse("queueing-bookings"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "友谊国际口岸" in zh
