"""The API's answers to create, submit and the officers' decisions are built from what the
services wrote (no second read), and say exactly what a fresh read says; each costs a pinned
number of statements."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from cuakhau.transitions.services import history
from declarations import services
from declarations.fees.models import Fee
from declarations.fees.services import fee_assess
from declarations.models import Declaration, ReviewTarget
from declarations.selectors import predecessors_pending
from tests import factories

from .conftest import FRUIT, MACHINES, yellow_always

pytestmark = pytest.mark.django_db


def _client(user) -> APIClient:  # type: ignore[no-untyped-def]
    # Token authentication: each request reads who the caller is, as a real client's does.
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def _post(client: APIClient, url: str, data: dict | None = None, status: int = 200) -> tuple[dict, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url, data or {}, format="json")
    assert response.status_code == status, response.content[:500]
    if os.environ.get("SHOWSQL"):
        print(url, *[q["sql"][:150] for q in queries.captured_queries], sep="\n  ")
    return response.json(), len(queries.captured_queries)


def _declare(client: APIClient, company, lines: list[dict]) -> tuple[dict, int]:  # type: ignore[no-untyped-def]
    body = {
        "vehicle": factories.VehicleFactory(company=company).pk,
        "driver": factories.DriverFactory(company=company).pk,
        "gate": "HUU_NGHI",
        "direction": "export",
        "planned_date": (timezone.localdate() + dt.timedelta(days=1)).isoformat(),
        "cargo_lines": lines,
        "containers": ["CSQU3054383"],
    }
    return _post(client, "/api/v1/declarations/", body, 201)


def test_the_answers_to_create_and_submit_are_what_a_fresh_read_says(owner, company):
    operator = _client(owner)
    created, create_statements = _declare(operator, company, [MACHINES])
    assert created == operator.get(f"/api/v1/declarations/{created['id']}/").json()
    assert created["cargo_lines"][0]["quantity"] == "20.000" and created["containers"] == ["CSQU3054383"]
    assert created["documents"] == [] and created["reviews"] == []

    submitted, submit_statements = _post(operator, f"/api/v1/declarations/{created['id']}/submit/")
    assert submitted == operator.get(f"/api/v1/declarations/{created['id']}/").json()
    # Green channel: customs approved by rule, so the declaration went on to review in the same
    # request: one UPDATE of its row, a log row for each transition.
    assert submitted["state"] == "under_review" and submitted["channel"] == "green"
    assert [r["agency"] for r in submitted["reviews"]] == ["customs", "border_guard"]
    assert [r["state"] for r in submitted["reviews"]] == ["approved", "pending"]
    declaration = Declaration.objects.get(pk=created["id"])
    assert [t.transition for t in history(declaration)] == ["create", "submit", "start_review"]
    assert declaration.round == 1 and declaration.submitted_at is not None

    # Pinned (token authentication included): 18 and 53 before they were answered from what the
    # services wrote, the submission made one UPDATE and one INSERT of its reviews, and looked for
    # no fee of a draft.
    assert create_statements <= 13
    assert submit_statements <= 31


def test_a_submission_that_starts_no_review_is_saved_once_with_its_channel(owner, company):
    yellow_always()  # customs checks by hand: nothing leaves `pending` at submission
    operator = _client(owner)
    created, _ = _declare(operator, company, [MACHINES])
    submitted, _ = _post(operator, f"/api/v1/declarations/{created['id']}/submit/")
    assert submitted == operator.get(f"/api/v1/declarations/{created['id']}/").json()
    declaration = Declaration.objects.get(pk=created["id"])
    assert (declaration.state, declaration.channel, declaration.round) == ("submitted", "yellow", 1)
    assert declaration.required_agencies == ["customs", "border_guard"]
    assert declaration.submitted_at is not None
    assert [t.transition for t in history(declaration)] == ["create", "submit"]
    assert submitted["reviews"] == [
        {"id": r.pk, "agency": r.agency, "state": "pending", "note": "", "decided_at": None}
        for r in declaration.reviews.order_by("id")
    ]


def test_the_reviews_are_created_with_their_clocks_from_each_agencys_target(owner, company, gate):
    targets = {"customs": 3, "border_guard": 5, "quarantine": 7}
    for agency, hours in targets.items():
        ReviewTarget.objects.update_or_create(gate=gate, agency=agency, defaults={"hours": hours})
    yellow_always()
    operator = _client(owner)
    created, _ = _declare(operator, company, [FRUIT])  # quarantine too
    before = timezone.now()
    submitted, _ = _post(operator, f"/api/v1/declarations/{created['id']}/submit/")
    assert submitted == operator.get(f"/api/v1/declarations/{created['id']}/").json()
    declaration = Declaration.objects.get(pk=created["id"])
    reviews = {r.agency: r for r in declaration.reviews.all()}
    assert set(reviews) == set(targets)
    for review in reviews.values():
        assert [t.transition for t in history(review)] == ["create"]
    waiting = {a for a, r in reviews.items() if predecessors_pending(r)}
    for agency, review in reviews.items():
        if agency in waiting:
            assert review.ready_at is None and review.due_at is None
        else:
            assert review.ready_at >= before
            assert review.due_at - review.ready_at == dt.timedelta(hours=targets[agency])
    assert len(waiting) < len(reviews)


def test_the_answers_to_an_officers_actions_are_what_a_fresh_read_says(
    owner, company, customs_officer, border_guard_officer
):
    yellow_always()
    operator = _client(owner)
    created, _ = _declare(operator, company, [MACHINES])
    submitted, _ = _post(operator, f"/api/v1/declarations/{created['id']}/submit/")
    customs = _client(customs_officer)
    guard = _client(border_guard_officer)
    ids = {r["agency"]: r["id"] for r in submitted["reviews"]}

    claimed, claim_statements = _post(customs, f"/api/v1/reviews/{ids['customs']}/claim/")
    assert claimed == customs.get(f"/api/v1/reviews/{ids['customs']}/").json()
    assert claimed["state"] == "in_review" and claimed["officer"] == customs_officer.get_username()
    assert claimed["actions"] == ["approve", "reject", "request_info"]
    approved, approve_statements = _post(
        customs, f"/api/v1/reviews/{ids['customs']}/approve/", {"note": "ok"}
    )
    assert approved == customs.get(f"/api/v1/reviews/{ids['customs']}/").json()
    assert approved["state"] == "approved" and approved["actions"] == []

    _, second_claim_statements = _post(guard, f"/api/v1/reviews/{ids['border_guard']}/claim/")
    asked, _ = _post(guard, f"/api/v1/reviews/{ids['border_guard']}/request-info/", {"note": "papers"})
    assert asked == guard.get(f"/api/v1/reviews/{ids['border_guard']}/").json()
    assert asked["state"] == "info_requested"
    assert Declaration.objects.get(pk=created["id"]).state == "returned"

    # Pinned (token authentication included): the review read once before the lock (not twice,
    # nor its declaration's id again), the reply made from the rows locked (18 and 22 before, in
    # the lifecycle). The first claim also moves the declaration to under review (+2).
    assert claim_statements <= 15
    assert approve_statements <= 13
    assert second_claim_statements <= 13


def test_the_answer_to_a_rejection_is_what_a_fresh_read_says(owner, company, customs_officer):
    yellow_always()
    operator = _client(owner)
    created, _ = _declare(operator, company, [MACHINES])
    submitted, _ = _post(operator, f"/api/v1/declarations/{created['id']}/submit/")
    customs = _client(customs_officer)
    review = next(r["id"] for r in submitted["reviews"] if r["agency"] == "customs")
    _post(customs, f"/api/v1/reviews/{review}/claim/")
    rejected, _ = _post(customs, f"/api/v1/reviews/{review}/reject/", {"note": "forged invoice"})
    assert rejected == customs.get(f"/api/v1/reviews/{review}/").json()
    assert rejected["state"] == "rejected"
    assert Declaration.objects.get(pk=created["id"]).state == "rejected"


def test_submitting_another_companys_declaration_or_as_a_non_operator_is_refused(
    owner, company, other_owner, customs_officer
):
    created, _ = _declare(_client(owner), company, [MACHINES])
    url = f"/api/v1/declarations/{created['id']}/submit/"
    assert _client(other_owner).post(url).status_code == 404
    assert _client(customs_officer).post(url).status_code == 403
    assert _client(customs_officer).post("/api/v1/declarations/999999/submit/").status_code == 403
    assert _client(owner).post("/api/v1/declarations/999999/submit/").status_code == 404
    assert _client(owner).post("/api/v1/declarations/x/submit/").status_code == 404
    assert Declaration.objects.get(pk=created["id"]).state == "draft"


def test_a_draft_whose_fee_was_somehow_assessed_keeps_it_when_submitted(owner, draft):
    # A submission does not look for a fee of a draft (only a submission assesses one); one
    # there all the same is found by the fee's unique declaration, and kept.
    fee = fee_assess(declaration=draft)
    Fee.objects.filter(pk=fee.pk).update(amount=123_000)
    submitted = services.declaration_submit(actor=owner, declaration=draft)
    assert submitted.state in ("submitted", "under_review")
    assert list(Fee.objects.filter(declaration=draft).values_list("pk", "amount")) == [(fee.pk, 123_000)]
    assert [t.transition for t in history(Fee.objects.get(pk=fee.pk))] == ["create"]
