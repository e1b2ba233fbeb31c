"""Portal pages: create a draft with formsets, submit, follow the reviews, answer, cancel."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from declarations import services
from declarations.models import Declaration
from tests import factories

from .conftest import new_draft, review_of, yellow_always

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 80


def form_data(company, **overrides):  # type: ignore[no-untyped-def]
    data = {
        "vehicle": factories.VehicleFactory(company=company).pk,
        "driver": factories.DriverFactory(company=company).pk,
        "gate": "HUU_NGHI",
        "direction": "export",
        "planned_date": (timezone.localdate() + dt.timedelta(days=1)).isoformat(),
        "delivery_mode": "standard",
        "cargo-TOTAL_FORMS": "2",
        "cargo-INITIAL_FORMS": "0",
        "cargo-0-description": "Sầu riêng (durian)",
        "cargo-0-hs_code": "08106000",
        "cargo-0-quantity": "500",
        "cargo-0-unit": "kg",
        "cargo-0-gross_kg": "550",
        "cargo-0-value": "900",
        "cargo-0-origin": "VN",
        "cargo-0-perishable": "on",
        "cargo-1-unit": "kg",
        "cargo-1-origin": "VN",
        "cargo-1-value": "0",
        "containers-TOTAL_FORMS": "1",
        "containers-INITIAL_FORMS": "0",
        "containers-0-number": "csqu 305438-3",
        "containers-0-size_ft": "40",
    }
    data.update(overrides)
    return data


def test_operator_creates_a_draft_with_cargo_and_a_container(client, owner, company):
    client.force_login(owner)
    assert client.get("/portal/declarations/new/").status_code == 200
    response = client.post("/portal/declarations/new/", form_data(company))
    declaration = Declaration.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/portal/declarations/{declaration.pk}/"
    assert [c.number for c in declaration.containers.all()] == ["CSQU3054383"]
    assert declaration.cargo_lines.get().hs_code == "08106000"


def test_a_bad_hs_code_shows_a_message_and_saves_nothing(client, owner, company):
    client.force_login(owner)
    response = client.post("/portal/declarations/new/", form_data(company, **{"cargo-0-hs_code": "7700"}))
    assert response.status_code == 400  # the service refused: the form again, with the refusal's status
    assert "Line 1" in response.content.decode()
    assert not Declaration.objects.exists()


def test_another_companys_vehicle_is_not_offered(client, owner, company, other_company):
    client.force_login(owner)
    foreign = factories.VehicleFactory(company=other_company)
    response = client.post("/portal/declarations/new/", form_data(company, vehicle=foreign.pk))
    assert response.status_code == 200 and not Declaration.objects.exists()


def test_submit_from_the_detail_page_and_see_the_reviews(client, owner):
    yellow_always()
    draft = new_draft(owner)
    client.force_login(owner)
    page = client.get(f"/portal/declarations/{draft.pk}/").content.decode()
    assert 'id="submit-declaration"' in page and "declaration_extra" not in page
    client.post(f"/portal/declarations/{draft.pk}/submit/")
    status = client.get(f"/portal/declarations/{draft.pk}/status/")
    assert 'class="state big submitted"' in status.content.decode()
    assert sorted(r["agency"] for r in status.context["reviews"]) == ["border_guard", "customs", "quarantine"]
    assert status.context["actions"] == ["cancel"]


def test_submitting_twice_shows_an_error_message(client, owner):
    yellow_always()
    draft = new_draft(owner)
    client.force_login(owner)
    client.post(f"/portal/declarations/{draft.pk}/submit/")
    response = client.post(f"/portal/declarations/{draft.pk}/submit/", follow=True)
    assert any(m.level_tag == "error" for m in response.context["messages"])


def test_answering_an_information_request_and_resubmitting(client, owner, officers):
    yellow_always()
    draft = new_draft(owner)
    services.declaration_submit(actor=owner, declaration=draft)
    review = review_of(draft, "customs")
    services.review_claim(actor=officers["customs"], review=review)
    services.review_request_info(actor=officers["customs"], review=review, note="Add the invoice")
    client.force_login(owner)
    page = client.get(f"/portal/declarations/{draft.pk}/").content.decode()
    assert "Add the invoice" in page
    assert client.get(f"/portal/declarations/{draft.pk}/edit/").status_code == 200
    upload = SimpleUploadedFile("invoice.pdf", PNG)
    client.post(f"/portal/declarations/{draft.pk}/documents/", {"kind": "invoice", "file": upload})
    assert draft.documents.get().content_type == "image/png"
    client.post(f"/portal/declarations/{draft.pk}/resubmit/")
    draft.refresh_from_db()
    assert draft.state == "submitted"
    review.refresh_from_db()
    assert review.state == "pending"


def test_cancel_from_the_portal(client, owner):
    draft = new_draft(owner)
    client.force_login(owner)
    client.post(f"/portal/declarations/{draft.pk}/cancel/")
    draft.refresh_from_db()
    assert draft.state == "cancelled"


def test_other_company_gets_404_everywhere(client, owner, other_owner):
    draft = new_draft(owner)
    client.force_login(other_owner)
    for url in ("", "edit/", "status/"):
        assert client.get(f"/portal/declarations/{draft.pk}/{url}").status_code == 404
    assert client.post(f"/portal/declarations/{draft.pk}/submit/").status_code == 404
    assert client.post(f"/portal/declarations/{draft.pk}/cancel/").status_code == 404


def test_anonymous_is_sent_to_log_in(client):
    response = client.get("/portal/declarations/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_officers_do_not_use_the_portal_list(client, customs_officer):
    client.force_login(customs_officer)
    assert client.get("/portal/declarations/").status_code == 403


def test_documents_download_for_owner_and_officer_not_for_others(client, owner, other_owner, officers):
    yellow_always()
    draft = new_draft(owner)
    document = services.document_add(
        actor=owner, declaration=draft, kind="invoice", file=SimpleUploadedFile("a.png", PNG)
    )
    services.declaration_submit(actor=owner, declaration=draft)
    url = f"/portal/declarations/{draft.pk}/documents/{document.pk}/"
    client.force_login(owner)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    client.force_login(officers["customs"])
    assert client.get(url).status_code == 200
    client.force_login(other_owner)
    assert client.get(url).status_code == 404


def test_the_list_page_and_the_work_queue_do_not_query_per_row(client, owner, officers):
    def queries(user, url):  # type: ignore[no-untyped-def]
        client.force_login(user)
        client.get(url)  # warm the session and the user's caches
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    yellow_always()
    pages = [(owner, "/portal/declarations/"), (officers["customs"], "/admin/declarations/agencyreview/")]
    services.declaration_submit(actor=owner, declaration=new_draft(owner))
    one = [queries(user, url) for user, url in pages]
    for _ in range(4):
        services.declaration_submit(actor=owner, declaration=new_draft(owner))
    assert [queries(user, url) for user, url in pages] == one
