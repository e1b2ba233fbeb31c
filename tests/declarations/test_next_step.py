"""The portal says, for every state of a declaration, what happened and the next step; an ended
declaration can be copied into a new draft."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from declarations import services
from declarations.models import Declaration
from queueing import services as queue
from tests.queueing.conftest import make_slot

from .conftest import MACHINES, approve_all, new_draft, review_of, yellow_always

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 80


def page(client, owner, declaration):  # type: ignore[no-untyped-def]
    client.force_login(owner)
    response = client.get(reverse("declarations:detail", args=[declaration.pk]))
    assert response.status_code == 200
    return response


def visible_steps(response) -> list[str]:  # type: ignore[no-untyped-def]
    """The step buttons shown (not hidden) on the page, by their data-step."""
    import re

    html = response.content.decode()
    return [m.group(1) for m in re.finditer(r'data-step="(\w+)"(?![^>]*hidden)', html)]


def test_a_draft_says_it_is_not_sent_and_offers_edit_and_submit(client, owner):
    draft = new_draft(owner)
    response = page(client, owner, draft)
    assert response.context["step"]["happened"] == "Draft: not sent to the agencies yet."
    assert visible_steps(response) == ["edit", "submit"]


def test_a_returned_declaration_shows_what_was_asked_and_the_resubmit_button(client, owner, officers):
    yellow_always()
    draft = new_draft(owner)
    services.declaration_submit(actor=owner, declaration=draft)
    customs = review_of(draft, "customs")
    services.review_claim(actor=officers["customs"], review=customs)
    services.review_request_info(actor=officers["customs"], review=customs, note="Add the packing list")
    response = page(client, owner, draft)
    step = response.context["step"]
    assert step["happened"] == "Returned: an agency asks for more information."
    assert step["detail"] == "Customs: Add the packing list"
    assert visible_steps(response) == ["edit", "resubmit"]


def test_a_rejected_declaration_shows_the_reason_and_the_copy_action_and_no_fee_to_pay(
    client, owner, officers
):
    yellow_always()
    draft = new_draft(owner)
    services.declaration_submit(actor=owner, declaration=draft)
    guard = review_of(draft, "border_guard")
    services.review_claim(actor=officers["border_guard"], review=guard)
    services.review_reject(actor=officers["border_guard"], review=guard, note="Driver's licence expired")
    response = page(client, owner, draft)
    step = response.context["step"]
    assert step["happened"] == "Rejected: this declaration cannot be used."
    assert step["detail"] == "Border guard: Driver's licence expired"
    assert visible_steps(response) == ["copy"]
    html = response.content.decode()
    # Quarantine's review is closed with the reason, not left waiting.
    assert "closed: rejected by border guard" in html
    # No VietQR and no cancel card.
    assert "fee-qr" not in html
    assert "Not due: the declaration ended without a trip." in html
    assert 'id="declaration-actions" hidden' in html


@pytest.mark.parametrize("end", ["cancelled", "expired"])
def test_cancelled_and_expired_declarations_offer_the_copy_action(end, client, owner, officers):
    import datetime as dt

    from django.utils import timezone

    yellow_always()
    draft = new_draft(owner)
    services.declaration_submit(actor=owner, declaration=draft)
    if end == "cancelled":
        services.declaration_cancel(actor=owner, declaration=draft)
    else:
        approve_all(draft, officers)
        Declaration.objects.filter(pk=draft.pk).update(valid_until=timezone.now() - dt.timedelta(hours=1))
        services.declaration_expire(declaration=draft)
    response = page(client, owner, draft)
    assert visible_steps(response) == ["copy"]
    assert response.context["step"]["happened"].startswith(end.capitalize())


def test_a_cleared_declaration_without_a_booking_says_book(client, owner, officers):
    yellow_always()
    draft = new_draft(owner)
    services.declaration_submit(actor=owner, declaration=draft)
    approve_all(draft, officers)
    response = page(client, owner, draft)
    assert (
        response.context["step"]["next"] == "Book a time at the gate before the declaration's validity ends."
    )
    assert visible_steps(response) == ["book"]


def test_a_booking_made_before_clearance_says_waiting_for_clearance_until_cleared(
    client, owner, officers, gate
):
    yellow_always()
    draft = new_draft(owner)
    services.declaration_submit(actor=owner, declaration=draft)
    booking = queue.booking_create(declaration=draft, slot=make_slot(gate), actor=owner)
    client.force_login(owner)
    ticket = client.get(reverse("queueing-booking", args=[booking.pk])).content.decode()
    assert "Waiting for clearance: the truck crosses only once every agency has approved." in ticket
    assert "Waiting for clearance" in page(client, owner, draft).content.decode()
    approve_all(draft, officers)
    ticket = client.get(reverse("queueing-booking", args=[booking.pk])).content.decode()
    assert "Waiting for clearance" not in ticket
    assert "Cleared: show this ticket at the yard entry." in ticket


def test_the_status_partial_carries_the_step_so_the_page_updates_without_reload(client, owner, officers):
    yellow_always()
    draft = new_draft(owner)
    services.declaration_submit(actor=owner, declaration=draft)
    client.force_login(owner)
    response = client.get(reverse("declarations:status", args=[draft.pk]))
    assert response.context["step"]["happened"] == "Waiting for: Customs, Border guard, Quarantine."
    assert "Waiting for: Customs, Border guard, Quarantine." in response.content.decode()
    assert visible_steps(response) == ["book"]


def test_copy_makes_a_new_draft_with_the_same_vehicle_driver_cargo_and_documents(client, owner, officers):
    yellow_always()
    draft = new_draft(owner, lines=[MACHINES], direction="import")
    services.document_add(
        actor=owner,
        declaration=draft,
        kind="invoice",
        file=SimpleUploadedFile("inv.png", PNG),
        name="inv.png",
    )
    services.declaration_submit(actor=owner, declaration=draft)
    services.declaration_cancel(actor=owner, declaration=draft)
    client.force_login(owner)
    response = client.post(reverse("declarations:copy", args=[draft.pk]))
    copy = Declaration.objects.exclude(pk=draft.pk).get(company=draft.company)
    assert response.status_code == 302 and response["Location"] == reverse(
        "declarations:edit", args=[copy.pk]
    )
    assert copy.state == "draft" and copy.round == 0 and copy.channel is None
    assert (copy.vehicle_id, copy.driver_id, copy.gate_id, copy.direction) == (
        draft.vehicle_id, draft.driver_id, draft.gate_id, "import",
    )  # fmt: skip
    assert [(c.hs_code, c.description) for c in copy.cargo_lines.all()] == [
        ("84137099", MACHINES["description"])
    ]
    [document] = copy.documents.all()
    assert document.kind == "invoice" and document.file.read() == PNG
    assert document.file.name != draft.documents.get().file.name
    assert not copy.reviews.exists()


def test_another_company_cannot_copy_a_declaration(client, owner, other_owner):
    draft = new_draft(owner)
    client.force_login(other_owner)
    assert client.post(reverse("declarations:copy", args=[draft.pk])).status_code == 404
    assert Declaration.objects.count() == 1


def test_copy_is_a_post_only(client, owner):
    draft = new_draft(owner)
    client.force_login(owner)
    assert client.get(reverse("declarations:copy", args=[draft.pk])).status_code == 405
