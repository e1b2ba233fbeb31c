"""In Chromium at 1366×768: a customs officer logs in, finds the overdue review on top of the
queue, approves it in one step, rejects another with a reason and claims three at once.

Screenshots only when asked: `ADMIN_SCREENSHOTS=some/dir pytest ...` writes one per step.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pytest
from django.utils import timezone

from cuakhau.accounts.models import Profile
from cuakhau.accounts.roles import Agency, Role
from cuakhau.transitions.models import TransitionLog
from declarations import services
from declarations.models import AgencyReview
from tests import factories

from .conftest import new_draft, yellow_always

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]

PASSWORD = "pass12345!"
QUEUE = "/admin/declarations/agencyreview/"


def snap(page, name: str) -> None:  # type: ignore[no-untyped-def]
    folder = os.environ.get("ADMIN_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def test_an_officer_works_the_queue_in_one_step_decisions_and_a_bulk_claim(chromium, live_server, owner):
    from playwright.sync_api import expect

    yellow_always()
    declarations = [services.declaration_submit(actor=owner, declaration=new_draft(owner)) for _ in range(6)]
    reviews = [d.reviews.get(agency="customs") for d in declarations]
    overdue = reviews[4]  # not the oldest: the queue must still put it first
    AgencyReview.objects.filter(pk=overdue.pk).update(due_at=timezone.now() - dt.timedelta(minutes=20))
    officer = factories.staff_user(Role.CUSTOMS, Agency.CUSTOMS, first_name="Lan", last_name="Trần Thị")
    Profile.objects.update_or_create(user=officer, defaults={"language": "vi"})

    context = chromium.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/admin/login/?next={QUEUE}")
    page.fill("input[name=username]", officer.username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form [type=submit]").last.click()
    page.wait_for_url(re.compile(re.escape(QUEUE) + "$"))

    # The overdue review is on top; the queue fits the screen without scrolling sideways.
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(6)
    expect(rows.first).to_contain_text(overdue.declaration.number)
    expect(rows.first.locator(".ck-overdue")).to_have_count(1)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.evaluate(
        "(r => r.scrollWidth <= r.clientWidth)(document.querySelector('#changelist .results'))"
    )
    expect(page.locator("#queue-counts")).to_contain_text("1")
    snap(page, "1-queue")

    # Approve in one step, straight from the pending review.
    rows.first.get_by_role("link", name=overdue.declaration.number).click()
    expect(page.locator("#review-actions")).to_be_visible()
    snap(page, "2-review")
    page.click("button[value=approve]")
    page.wait_for_url(re.compile(re.escape(QUEUE) + "$"))
    expect(page.locator("ul.messagelist")).to_contain_text(overdue.declaration.number)
    overdue.refresh_from_db()
    assert (overdue.state, overdue.officer_id) == ("approved", officer.pk)
    assert TransitionLog.objects.filter(
        object_id=overdue.pk, transition="claim", note="one-step decision"
    ).exists()

    # Reject another: the reason is required, the browser will not send an empty one.
    other = reviews[0]
    page.goto(f"{live_server.url}{QUEUE}{other.pk}/change/")
    page.click("button[value=reject]")
    assert page.url.endswith(f"{QUEUE}{other.pk}/change/")  # the empty reason stopped the form
    page.fill("#note-reject", "Hóa đơn không khớp số lượng")
    page.click("button[value=reject]")
    page.wait_for_url(re.compile(re.escape(QUEUE) + "$"))
    other.refresh_from_db()
    assert (other.state, other.note) == ("rejected", "Hóa đơn không khớp số lượng")

    # Claim three at once.
    expect(rows).to_have_count(4)
    three = [r for r in reviews if r.pk not in (overdue.pk, other.pk)][:3]
    for review in three:
        page.check(f"input.action-select[value='{review.pk}']")
    page.select_option("select[name=action]", "claim_selected")
    page.click("button[name=index]")
    expect(page.locator("ul.messagelist")).to_contain_text("3")
    snap(page, "3-bulk-claimed")
    states = set(AgencyReview.objects.filter(pk__in=[r.pk for r in three]).values_list("state", "officer"))
    assert states == {("in_review", officer.pk)}
    expect(page.locator("#result_list")).to_contain_text("Trần Thị")
    context.close()


def test_the_printable_declaration_is_one_a4_page(chromium, live_server, owner, officers):
    yellow_always()
    declaration = services.declaration_submit(actor=owner, declaration=new_draft(owner))
    review = declaration.reviews.get(agency="customs")
    services.review_decide(actor=officers["customs"], review=review, decision="approve", note="Đạt")
    context = chromium.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("input[name=username]", officers["customs"].username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form [type=submit]").last.click()
    page.wait_for_url(re.compile(r"/admin/$"))

    page.goto(f"{live_server.url}/admin/declarations/declaration/{declaration.pk}/print/")
    pdf = page.pdf(prefer_css_page_size=True)
    page.emulate_media(media="print")
    snap(page, "4-print")

    assert page.locator(".ck-print-qr svg").count() == 1
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1
    context.close()


def test_the_review_page_previews_an_image_and_a_pdf_under_the_sites_policy(
    chromium, live_server, owner, officers
):
    """With the pages' Content-Security-Policy enforced (no bypass): the scan shows as an image,
    the PDF opens in Chromium's viewer inside the page's frame."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image
    from pypdf import PdfWriter

    scan, pdf = io.BytesIO(), io.BytesIO()
    Image.new("RGB", (120, 80), (200, 30, 30)).save(scan, format="PNG")
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer.write(pdf)
    draft = new_draft(owner)
    for name, data in (("scan.png", scan.getvalue()), ("invoice.pdf", pdf.getvalue())):
        services.document_add(
            actor=owner, declaration=draft, kind="invoice", file=SimpleUploadedFile(name, data)
        )
    review = services.declaration_submit(actor=owner, declaration=draft).reviews.get(agency="customs")

    context = chromium.new_context(viewport={"width": 1366, "height": 768}, bypass_csp=False)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("input[name=username]", officers["customs"].username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form [type=submit]").last.click()
    page.wait_for_url(re.compile(r"/admin/$"))
    page.goto(f"{live_server.url}{QUEUE}{review.pk}/change/")

    image = page.locator(".ck-preview img")
    image.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    assert image.evaluate("img => [img.naturalWidth, img.naturalHeight]") == [120, 80]
    page.locator(".ck-preview iframe").scroll_into_view_if_needed()
    page.wait_for_function(
        "() => performance.getEntriesByType('resource').some(e => e.name.includes('/preview/'))"
    )
    # Chromium's PDF viewer is an extension frame inside the preview frame: it is there only
    # when the PDF was allowed to render (a sandboxed or refused frame has none).
    viewer = None
    for _ in range(50):
        viewer = next((f for f in page.frames if f.url.startswith("chrome-extension://")), None)
        if viewer:
            break
        page.wait_for_timeout(200)
    snap(page, "5-preview")
    assert viewer is not None, [f.url for f in page.frames]
    assert "/preview/" in viewer.parent_frame.url
    context.close()
