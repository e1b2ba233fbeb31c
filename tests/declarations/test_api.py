"""The declaration and review API: SPEC field names, owners and officers, 409 on illegal moves."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from declarations import services
from tests import factories

from .conftest import FRUIT, MACHINES, new_draft, review_of, yellow_always

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


def body(owner, company, **overrides):  # type: ignore[no-untyped-def]
    return {
        "vehicle": factories.VehicleFactory(company=company).pk,
        "driver": factories.DriverFactory(company=company).pk,
        "gate": "HUU_NGHI",
        "direction": "export",
        "planned_date": (timezone.localdate() + dt.timedelta(days=1)).isoformat(),
        "cargo_lines": [FRUIT],
        "containers": ["CSQU3054383"],
        **overrides,
    }


def test_operator_creates_a_draft_with_the_spec_fields(api_client, owner, company):
    api_client.force_authenticate(owner)
    response = api_client.post("/api/v1/declarations/", body(owner, company), format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    for field in ("id", "state", "company", "vehicle", "driver", "gate", "direction", "planned_date",
                  "channel", "required_agencies", "cargo_lines", "containers", "reviews"):  # fmt: skip
        assert field in data
    assert data["state"] == "draft" and data["gate"] == "HUU_NGHI" and data["channel"] is None
    assert data["containers"] == ["CSQU3054383"]
    assert set(data["cargo_lines"][0]) >= {
        "description",
        "hs_code",
        "quantity",
        "unit",
        "gross_kg",
        "value",
        "origin",
        "perishable",
    }


def test_bad_input_is_400_with_field_messages(api_client, owner, company):
    api_client.force_authenticate(owner)
    response = api_client.post(
        "/api/v1/declarations/", body(owner, company, containers=["CSQU3054384"]), format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "containers" in response.json()["detail"]


def test_anonymous_gets_401(api_client):
    assert api_client.get("/api/v1/declarations/").status_code == 401
    assert api_client.post("/api/v1/reviews/1/claim/").status_code == 401


def test_other_company_sees_nothing_and_gets_404(api_client, owner, other_owner):
    draft = new_draft(owner)
    api_client.force_authenticate(other_owner)
    assert api_client.get("/api/v1/declarations/").json()["count"] == 0
    assert api_client.get(f"/api/v1/declarations/{draft.pk}/").status_code == 404
    assert api_client.post(f"/api/v1/declarations/{draft.pk}/submit/").status_code == 404
    assert (
        api_client.patch(
            f"/api/v1/declarations/{draft.pk}/", {"direction": "import"}, format="json"
        ).status_code
        == 404
    )


def test_submit_then_submit_again_is_409(api_client, owner):
    yellow_always()
    draft = new_draft(owner)
    api_client.force_authenticate(owner)
    first = api_client.post(f"/api/v1/declarations/{draft.pk}/submit/")
    assert first.status_code == 200
    assert first.json()["required_agencies"] == ["customs", "border_guard", "quarantine"]
    assert first.json()["channel"] == "yellow"
    again = api_client.post(f"/api/v1/declarations/{draft.pk}/submit/")
    assert again.status_code == 409
    assert set(again.json()) == {"code", "detail"}


def test_submitted_declaration_cannot_be_edited(api_client, owner):
    yellow_always()
    draft = new_draft(owner)
    services.declaration_submit(actor=owner, declaration=draft)
    api_client.force_authenticate(owner)
    response = api_client.patch(
        f"/api/v1/declarations/{draft.pk}/", {"cargo_lines": [MACHINES]}, format="json"
    )
    assert response.status_code == 409


def test_wrong_method_is_405(api_client, owner):
    draft = new_draft(owner)
    api_client.force_authenticate(owner)
    assert api_client.get(f"/api/v1/declarations/{draft.pk}/submit/").status_code == 405


def test_officer_flow_through_the_api(api_client, owner, officers):
    yellow_always()
    draft = new_draft(owner)
    services.declaration_submit(actor=owner, declaration=draft)
    officer = officers["customs"]
    api_client.force_authenticate(officer)
    listed = api_client.get("/api/v1/reviews/").json()["results"]
    assert [r["agency"] for r in listed] == ["customs"]
    review_id = listed[0]["id"]
    assert listed[0]["actions"] == ["claim"]
    assert (
        api_client.post(f"/api/v1/reviews/{review_id}/approve/", {"note": "ok"}, format="json").status_code
        == 409
    )
    assert api_client.post(f"/api/v1/reviews/{review_id}/claim/").json()["state"] == "in_review"
    assert api_client.post(f"/api/v1/reviews/{review_id}/claim/").status_code == 409
    no_reason = api_client.post(f"/api/v1/reviews/{review_id}/request-info/", {"note": ""}, format="json")
    assert no_reason.status_code == 400
    asked = api_client.post(f"/api/v1/reviews/{review_id}/request-info/", {"note": "invoice?"}, format="json")
    assert asked.json()["state"] == "info_requested"
    api_client.force_authenticate(owner)
    detail = api_client.get(f"/api/v1/declarations/{draft.pk}/").json()
    assert detail["state"] == "returned"
    assert {"agency": "customs", "state": "info_requested", "note": "invoice?"}.items() <= next(
        r for r in detail["reviews"] if r["agency"] == "customs"
    ).items()
    assert api_client.post(f"/api/v1/declarations/{draft.pk}/resubmit/").json()["state"] == "submitted"


def test_officer_of_another_agency_or_gate_gets_404(api_client, owner, officers, far_officer):
    yellow_always()
    draft = new_draft(owner)
    services.declaration_submit(actor=owner, declaration=draft)
    review = review_of(draft, "customs")
    api_client.force_authenticate(officers["quarantine"])
    assert api_client.post(f"/api/v1/reviews/{review.pk}/claim/").status_code == 404
    api_client.force_authenticate(far_officer)
    assert api_client.post(f"/api/v1/reviews/{review.pk}/claim/").status_code == 404
    assert api_client.get("/api/v1/reviews/").json()["count"] == 0


def test_operator_cannot_decide_reviews(api_client, owner):
    yellow_always()
    draft = new_draft(owner)
    services.declaration_submit(actor=owner, declaration=draft)
    api_client.force_authenticate(owner)
    assert api_client.post(f"/api/v1/reviews/{review_of(draft, 'customs').pk}/claim/").status_code == 404


def test_document_type_is_read_from_the_content(api_client, owner):
    draft = new_draft(owner)
    api_client.force_authenticate(owner)
    png_named_pdf = SimpleUploadedFile("invoice.pdf", PNG, content_type="application/pdf")
    response = api_client.post(
        f"/api/v1/declarations/{draft.pk}/documents/", {"kind": "invoice", "file": png_named_pdf}
    )
    assert response.status_code == 201, response.json()
    assert response.json()["content_type"] == "image/png"
    stored = draft.documents.get()
    assert stored.file.name.endswith(".png") and stored.file.read() == PNG
    exe = SimpleUploadedFile("packing.pdf", EXE, content_type="application/pdf")
    refused = api_client.post(
        f"/api/v1/declarations/{draft.pk}/documents/", {"kind": "packing_list", "file": exe}
    )
    assert refused.status_code == 400
    assert draft.documents.count() == 1
    pdf = api_client.post(
        f"/api/v1/declarations/{draft.pk}/documents/",
        {"kind": "origin", "file": SimpleUploadedFile("co.bin", PDF)},
    )
    assert pdf.json()["content_type"] == "application/pdf"


def test_documents_over_the_size_cap_are_refused(api_client, owner, settings):
    settings.DOCUMENT_MAX_BYTES = 100
    draft = new_draft(owner)
    api_client.force_authenticate(owner)
    big = SimpleUploadedFile("big.png", PNG + b"\x00" * 200)
    assert (
        api_client.post(
            f"/api/v1/declarations/{draft.pk}/documents/", {"kind": "invoice", "file": big}
        ).status_code
        == 400
    )
    assert not draft.documents.exists()


def test_only_a_draft_can_be_deleted(api_client, owner):
    yellow_always()
    api_client.force_authenticate(owner)
    draft = new_draft(owner)
    assert api_client.delete(f"/api/v1/declarations/{draft.pk}/").status_code == 204
    submitted = new_draft(owner)
    services.declaration_submit(actor=owner, declaration=submitted)
    assert api_client.delete(f"/api/v1/declarations/{submitted.pk}/").status_code == 409
    assert (
        api_client.post(f"/api/v1/declarations/{submitted.pk}/cancel/", {"note": "x"}, format="json").json()[
            "state"
        ]
        == "cancelled"
    )


def _queries(client, url: str) -> int:  # type: ignore[no-untyped-def]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_list_queries_do_not_grow_with_the_number_of_declarations(api_client, owner, officers):
    yellow_always()
    services.declaration_submit(actor=owner, declaration=new_draft(owner))
    # the user objects cache their roles and gates after a first request: warm them up
    api_client.force_authenticate(owner)
    _queries(api_client, "/api/v1/declarations/")
    one = _queries(api_client, "/api/v1/declarations/")
    api_client.force_authenticate(officers["customs"])
    _queries(api_client, "/api/v1/reviews/")
    one_review = _queries(api_client, "/api/v1/reviews/")
    for _ in range(4):
        services.declaration_submit(actor=owner, declaration=new_draft(owner))
    api_client.force_authenticate(owner)
    assert _queries(api_client, "/api/v1/declarations/") == one
    api_client.force_authenticate(officers["customs"])
    assert _queries(api_client, "/api/v1/reviews/") == one_review


def test_review_filter_by_a_declaration_id_too_big_for_the_database_finds_nothing(
    api_client, owner, officers
):
    yellow_always()
    services.declaration_submit(actor=owner, declaration=new_draft(owner))
    api_client.force_authenticate(officers["customs"])
    assert api_client.get("/api/v1/reviews/").json()["count"] == 1
    response = api_client.get(f"/api/v1/reviews/?declaration={10**30}")
    assert response.status_code == 200 and response.json()["count"] == 0


def test_an_unknown_direction_is_named_as_such(api_client, owner, company):
    api_client.force_authenticate(owner)
    response = api_client.post(
        "/api/v1/declarations/", body(owner, company, direction="sideways"), format="json"
    )
    assert response.status_code == 400
    assert response.json()["detail"]["direction"] == ["Choose export, import or empty."]
