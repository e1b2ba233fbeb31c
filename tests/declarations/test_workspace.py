"""The officers' workspace: the queue, one-step and bulk decisions, the review page in words,
plate search, the printable declaration, error pages and the admin's language switcher."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cuakhau.accounts.roles import Agency, Role
from cuakhau.notifications.models import Notification
from cuakhau.transitions.models import TransitionLog
from declarations import services
from declarations.models import AgencyReview, Channel, Declaration
from tests import factories

from .conftest import new_draft, review_of, yellow_always

pytestmark = pytest.mark.django_db

QUEUE = "/admin/declarations/agencyreview/"


def act(client, review, action, **data):  # type: ignore[no-untyped-def]
    return client.post(f"{QUEUE}{review.pk}/act/{action}/", data)


def shown(client, query=""):  # type: ignore[no-untyped-def]
    return [r.pk for r in client.get(QUEUE + query).context["cl"].result_list]


@pytest.fixture
def three(owner):  # type: ignore[no-untyped-def]
    """Three submitted declarations, 10 minutes apart (oldest first), customs checks by hand."""
    yellow_always()
    start = timezone.now() - dt.timedelta(minutes=30)
    made = []
    for i in range(3):
        with pytest.MonkeyPatch.context() as patch:
            moment = start + dt.timedelta(minutes=10 * i)
            patch.setattr(timezone, "now", lambda moment=moment: moment)
            made.append(services.declaration_submit(actor=owner, declaration=new_draft(owner)))
    return [review_of(d, "customs") for d in made]


# --- 1. the queue ------------------------------------------------------------------------------
def test_the_queue_opens_on_open_reviews_overdue_first_then_oldest(client, three, officers):
    oldest, middle, newest = three
    AgencyReview.objects.filter(pk=newest.pk).update(due_at=timezone.now() - dt.timedelta(minutes=5))
    services.review_decide(actor=officers["customs"], review=middle, decision="approve")
    client.force_login(officers["customs"])

    assert shown(client) == [newest.pk, oldest.pk]  # the approved one is gone; overdue on top
    assert shown(client, "?queue=all") == [newest.pk, oldest.pk, middle.pk]
    assert shown(client, "?queue=decided") == [middle.pk]


def test_the_queue_filters_mine_unclaimed_overdue_and_channel(client, three, officers):
    oldest, middle, newest = three
    services.review_claim(actor=officers["customs"], review=oldest)
    AgencyReview.objects.filter(pk=newest.pk).update(due_at=timezone.now() - dt.timedelta(minutes=1))
    Declaration.objects.filter(pk=middle.declaration_id).update(channel=Channel.RED)
    client.force_login(officers["customs"])

    assert shown(client, "?who=mine") == [oldest.pk]
    assert shown(client, "?who=unclaimed") == [newest.pk, middle.pk]
    assert shown(client, "?age=overdue") == [newest.pk]
    assert shown(client, "?channel=red") == [middle.pk]
    assert shown(client, "?channel=yellow") == [newest.pk, oldest.pk]


def test_the_admin_home_counts_overdue_and_open_reviews(client, three, officers):
    AgencyReview.objects.filter(pk=three[0].pk).update(due_at=timezone.now() - dt.timedelta(hours=1))
    client.force_login(officers["customs"])

    page = client.get("/admin/").content.decode()

    assert 'id="work-queue-summary"' in page
    assert "1 overdue" in page and "3 to decide" in page


def test_the_queue_columns_name_the_colleague_who_claimed(client, three, officers):
    colleague = factories.staff_user(Role.CUSTOMS, Agency.CUSTOMS, first_name="Văn A", last_name="Nguyễn")
    services.review_claim(actor=colleague, review=three[0])
    client.force_login(officers["customs"])

    page = client.get(QUEUE).content.decode()

    assert 'In review<br><small class="ck-muted">Văn A Nguyễn</small>' in page


# --- 2. one step, bulk, a colleague's claim -------------------------------------------------
def test_an_officer_approves_a_pending_review_in_one_step_claim_logged(client, three, officers, owner):
    review = three[0]
    officer = officers["customs"]
    client.force_login(officer)

    response = act(client, review, "approve", note="Hồ sơ đầy đủ")

    assert response.status_code == 302 and response["Location"] == QUEUE
    review.refresh_from_db()
    assert (review.state, review.officer_id, review.note) == ("approved", officer.pk, "Hồ sơ đầy đủ")
    log = TransitionLog.objects.filter(object_id=review.pk, content_type__model="agencyreview")
    assert [(e.transition, e.source, e.target, e.actor_id, e.note) for e in log.order_by("id")] == [
        ("create", "", "pending", owner.pk, ""),
        ("claim", "pending", "in_review", officer.pk, "one-step decision"),
        ("approve", "in_review", "approved", officer.pk, "Hồ sơ đầy đủ"),
    ]
    events = set(Notification.objects.filter(recipient=owner).values_list("event", flat=True))
    assert "declaration.approved" in events and "declaration.claimed" not in events


def test_a_one_step_reject_without_a_reason_changes_nothing(client, three, officers):
    review = three[0]
    client.force_login(officers["customs"])

    response = act(client, review, "reject", note="  ")

    assert response.status_code == 302
    review.refresh_from_db()
    assert (review.state, review.officer_id) == ("pending", None)
    assert not TransitionLog.objects.filter(object_id=review.pk, transition="claim").exists()


def test_a_one_step_reject_with_a_reason_rejects_the_declaration(client, three, officers):
    review = three[0]
    client.force_login(officers["customs"])

    act(client, review, "reject", note="Hóa đơn không khớp")

    review.refresh_from_db()
    assert (review.state, review.note) == ("rejected", "Hóa đơn không khớp")
    assert Declaration.objects.get(pk=review.declaration_id).state == "rejected"


def test_deciding_over_a_colleagues_claim_needs_to_have_seen_it(client, three, officers):
    review = three[0]
    colleague = factories.staff_user(Role.CUSTOMS, Agency.CUSTOMS, first_name="Minh", last_name="Trần")
    services.review_claim(actor=colleague, review=review)
    client.force_login(officers["customs"])

    page = client.get(f"{QUEUE}{review.pk}/change/").content.decode()
    assert 'id="colleague-claim"' in page and "Minh" in page
    assert f'name="seen_officer" value="{colleague.pk}"' in page

    act(client, review, "approve")  # a page loaded before the colleague claimed: no seen_officer
    review.refresh_from_db()
    assert (review.state, review.officer_id) == ("in_review", colleague.pk)

    act(client, review, "approve", seen_officer=str(colleague.pk))
    review.refresh_from_db()
    assert (review.state, review.officer_id) == ("approved", colleague.pk)
    approve = TransitionLog.objects.get(object_id=review.pk, transition="approve")
    assert approve.actor_id == officers["customs"].pk  # the log says who decided


def test_bulk_claim_claims_every_selected_review(client, three, officers):
    client.force_login(officers["customs"])

    client.post(QUEUE, {"action": "claim_selected", "_selected_action": [r.pk for r in three]})

    states = dict(AgencyReview.objects.filter(pk__in=[r.pk for r in three]).values_list("pk", "state"))
    assert states == {r.pk: "in_review" for r in three}
    assert set(
        AgencyReview.objects.filter(pk__in=[r.pk for r in three]).values_list("officer", flat=True)
    ) == {officers["customs"].pk}


def test_bulk_approve_leaves_red_channel_and_colleagues_claims_for_one_by_one(client, three, officers):
    routine, red, claimed = three
    Declaration.objects.filter(pk=red.declaration_id).update(channel=Channel.RED)
    colleague = factories.staff_user(Role.CUSTOMS, Agency.CUSTOMS)
    services.review_claim(actor=colleague, review=claimed)
    client.force_login(officers["customs"])

    response = client.post(
        QUEUE, {"action": "approve_selected", "_selected_action": [r.pk for r in three]}, follow=True
    )

    states = dict(AgencyReview.objects.filter(pk__in=[r.pk for r in three]).values_list("pk", "state"))
    assert states == {routine.pk: "approved", red.pk: "pending", claimed.pk: "in_review"}
    text = " ".join(str(m) for m in response.context["messages"])
    assert "1 review approved." in text
    assert red.declaration.number in text and claimed.declaration.number in text


def test_an_officer_of_another_agency_cannot_decide_in_one_step(client, three, officers):
    client.force_login(officers["quarantine"])

    response = act(client, three[0], "approve")

    assert response.status_code == 404
    three[0].refresh_from_db()
    assert three[0].state == "pending"


# --- the review page in words -------------------------------------------------------------
def test_the_review_page_shows_the_declaration_and_history_in_words(client, owner, officers, settings):
    yellow_always()
    declaration = new_draft(owner)
    services.document_add(
        actor=owner,
        declaration=declaration,
        kind="invoice",
        file=SimpleUploadedFile("invoice.png", PNG, content_type="image/png"),
    )
    services.document_add(
        actor=owner,
        declaration=declaration,
        kind="packing_list",
        file=SimpleUploadedFile("packing.pdf", PDF, content_type="application/pdf"),
    )
    services.declaration_submit(actor=owner, declaration=declaration)
    officer = officers["border_guard"]
    officer.first_name, officer.last_name = "Dũng", "Hoàng"
    officer.save()
    services.review_claim(actor=officer, review=review_of(declaration, "border_guard"))
    review = review_of(declaration, "customs")
    client.force_login(officers["customs"])

    page = client.get(f"{QUEUE}{review.pk}/change/").content.decode()

    assert declaration.vehicle.plate in page and "Thanh long (dragon fruit)" in page
    assert "Yellow — HS code 08… is on the rule&#x27;s list" in page
    assert "<img src=" in page and "<iframe src=" in page
    assert "Border guard — claimed by Dũng Hoàng," in page
    assert "Declaration — submitted by" in page
    history = page.split('<ol class="ck-history">', 1)[1].split("</ol>", 1)[0]
    assert not any(code in history for code in ("in_review", "pending", "agencyreview", "claim "))
    assert "Print" in page


def test_a_document_can_be_previewed_in_a_frame_of_the_admin(client, owner, officers):
    declaration = new_draft(owner)
    services.document_add(
        actor=owner,
        declaration=declaration,
        kind="invoice",
        file=SimpleUploadedFile("invoice.pdf", PDF, content_type="application/pdf"),
    )
    services.declaration_submit(actor=owner, declaration=declaration)
    document = declaration.documents.get()
    client.force_login(officers["customs"])

    # The review page frames the admin's preview URL; the portal's download stays an attachment.
    response = client.get(
        f"/admin/declarations/declaration/{declaration.pk}/documents/{document.pk}/preview/"
    )
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in response["Content-Security-Policy"]

    download = client.get(f"/portal/declarations/{declaration.pk}/documents/{document.pk}/")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")


# --- 4. plate search -----------------------------------------------------------------------
@pytest.mark.parametrize("typed", ["29C-123.45", "29c 123 45", "29C12345", "TK{number}"])
def test_admin_search_finds_a_review_and_a_declaration_by_plate_as_printed(client, owner, officers, typed):
    from vehicles.selectors import company_for_user

    yellow_always()
    vehicle = factories.VehicleFactory(company=company_for_user(owner), plate="29C-123.45")
    wanted = services.declaration_submit(actor=owner, declaration=new_draft(owner, vehicle=vehicle))
    services.declaration_submit(actor=owner, declaration=new_draft(owner))  # another truck
    client.force_login(officers["customs"])
    term = typed.format(number=f"{wanted.pk:07d}")

    reviews = client.get(QUEUE, {"q": term}).context["cl"].result_list
    declarations = client.get("/admin/declarations/declaration/", {"q": term}).context["cl"].result_list

    assert [r.declaration_id for r in reviews] == [wanted.pk]
    assert [d.pk for d in declarations] == [wanted.pk]


def test_admin_search_finds_a_chinese_plate_with_its_middle_dot(client, owner, officers):
    from vehicles.selectors import company_for_user

    vehicle = factories.VehicleFactory(company=company_for_user(owner), plate="桂A·12345", country="CN")
    wanted = services.declaration_submit(actor=owner, declaration=new_draft(owner, vehicle=vehicle))
    client.force_login(officers["customs"])

    for term in ("桂A·12345", "桂a 12345"):
        declarations = client.get("/admin/declarations/declaration/", {"q": term}).context["cl"].result_list
        assert [d.pk for d in declarations] == [wanted.pk]


# --- 6. printable declaration ------------------------------------------------------------------
def test_the_printable_declaration_has_its_reviews_and_a_qr_of_its_number(client, three, officers):
    review = three[0]
    services.review_decide(actor=officers["customs"], review=review, decision="approve", note="Đạt")
    client.force_login(officers["customs"])

    response = client.get(f"/admin/declarations/declaration/{review.declaration_id}/print/")

    page = response.content.decode()
    assert response.status_code == 200
    assert review.declaration.number in page and "<svg" in page
    assert "Customs — approved by" in page and "Đạt" in page


def test_an_officer_of_another_gate_cannot_print_the_declaration(client, three, far_officer):
    client.force_login(far_officer)

    response = client.get(f"/admin/declarations/declaration/{three[0].declaration_id}/print/")

    assert response.status_code == 404


# --- 5. error pages ------------------------------------------------------------------------
def test_an_officer_on_an_operator_page_gets_a_styled_page_pointing_to_the_queue(client, officers):
    client.force_login(officers["customs"])

    response = client.get("/portal/declarations/", HTTP_ACCEPT_LANGUAGE="vi")

    page = response.content.decode()
    assert response.status_code == 403
    assert "Trang này không thuộc công việc của bạn" in page
    assert f'href="{QUEUE}"' in page and "Hàng đợi công việc của bạn" in page


def test_gate_staff_on_a_forbidden_admin_page_are_pointed_to_their_kiosk(client, gate_staff):
    client.force_login(gate_staff)

    response = client.get("/admin/declarations/routingrule/")

    assert response.status_code == 403
    assert 'href="/kiosk/CHI_MA/"' in response.content.decode()  # their first gate by code


def test_an_unknown_page_is_a_styled_404_in_the_readers_language(client, officers):
    client.force_login(officers["customs"])

    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert response.status_code == 404
    assert "此地址没有内容" in response.content.decode()


def test_the_500_page_is_styled_and_needs_no_database():
    from django.test import RequestFactory

    from vehicles.error_pages import server_error

    response = server_error(RequestFactory().get("/"))

    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()


# --- 3. the language switcher in the admin header ------------------------------------------
def test_the_admin_header_switches_language_and_saves_the_profile(client, officers):
    officer = officers["customs"]
    client.force_login(officer)
    assert 'id="admin-language"' in client.get("/admin/").content.decode()

    response = client.post("/portal/language/", {"language": "zh-hans", "next": QUEUE})

    assert response.status_code == 302 and response["Location"] == QUEUE
    officer.profile.refresh_from_db()
    assert officer.profile.language == "zh-hans"
    assert "工作队列" in client.get(QUEUE).content.decode()


PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
