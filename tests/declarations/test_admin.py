"""The officers' work queue in the admin: scoped, read-only, buttons that call the services."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from declarations import services
from declarations.models import AgencyReview, RoutingRule

from .conftest import new_draft, review_of, yellow_always

pytestmark = pytest.mark.django_db

QUEUE = "/admin/declarations/agencyreview/"


@pytest.fixture
def submitted(owner):  # type: ignore[no-untyped-def]
    yellow_always()
    return services.declaration_submit(actor=owner, declaration=new_draft(owner))


def test_the_queue_shows_only_the_officers_agency(client, submitted, officers):
    client.force_login(officers["quarantine"])
    response = client.get(QUEUE)
    assert response.status_code == 200
    shown = list(response.context["cl"].result_list)
    assert [r.agency for r in shown] == ["quarantine"]


def test_an_officer_at_another_gate_sees_nothing(client, submitted, far_officer):
    client.force_login(far_officer)
    assert list(client.get(QUEUE).context["cl"].result_list) == []
    review = review_of(submitted, "customs")
    assert client.get(f"{QUEUE}{review.pk}/change/").status_code in (302, 404)


def test_a_manager_sees_every_review(client, submitted, gate_manager):
    client.force_login(gate_manager)
    assert len(client.get(QUEUE).context["cl"].result_list) == 3


def test_queue_is_oldest_first_and_filters_overdue(client, owner, officers):
    yellow_always()
    first = services.declaration_submit(actor=owner, declaration=new_draft(owner))
    with time_machine.travel(timezone.now() + dt.timedelta(hours=1, minutes=30)):
        services.declaration_submit(actor=owner, declaration=new_draft(owner))
        client.force_login(officers["customs"])
        shown = list(client.get(QUEUE).context["cl"].result_list)
        assert [r.declaration_id for r in shown][0] == first.pk
        overdue = list(client.get(QUEUE + "?age=overdue").context["cl"].result_list)
        assert overdue == []
    with time_machine.travel(timezone.now() + dt.timedelta(hours=2, minutes=30)):
        overdue = list(client.get(QUEUE + "?age=overdue").context["cl"].result_list)
        assert [r.declaration_id for r in overdue] == [first.pk]


def test_buttons_show_only_what_the_officer_may_do_now(client, submitted, officers):
    review = review_of(submitted, "customs")
    client.force_login(officers["customs"])
    page = client.get(f"{QUEUE}{review.pk}/change/")
    assert [a["name"] for a in page.context["review_actions"]] == [
        "approve",
        "reject",
        "request_info",
        "claim",
    ]
    assert 'name="_save"' not in page.content.decode()  # no raw editing
    client.post(f"{QUEUE}{review.pk}/act/claim/")
    page = client.get(f"{QUEUE}{review.pk}/change/")
    assert [a["name"] for a in page.context["review_actions"]] == ["approve", "reject", "request_info"]
    assert "Cargo" in page.content.decode() or "cargo" in page.content.decode()


def test_reject_without_a_reason_is_refused_with_a_message(client, submitted, officers):
    review = review_of(submitted, "customs")
    client.force_login(officers["customs"])
    client.post(f"{QUEUE}{review.pk}/act/claim/")
    response = client.post(f"{QUEUE}{review.pk}/act/reject/", {"note": ""}, follow=True)
    assert any(m.level_tag == "error" for m in response.context["messages"])
    review.refresh_from_db()
    assert review.state == "in_review"
    client.post(f"{QUEUE}{review.pk}/act/reject/", {"note": "Wrong HS code"})
    review.refresh_from_db()
    assert (review.state, review.note) == ("rejected", "Wrong HS code")


def test_a_button_of_another_agency_does_nothing(client, submitted, officers):
    review = review_of(submitted, "customs")
    client.force_login(officers["quarantine"])
    assert client.post(f"{QUEUE}{review.pk}/act/claim/").status_code in (302, 404)
    review.refresh_from_db()
    assert review.state == "pending"


def test_get_on_an_action_changes_nothing(client, submitted, officers):
    review = review_of(submitted, "customs")
    client.force_login(officers["customs"])
    assert client.get(f"{QUEUE}{review.pk}/act/claim/").status_code == 405
    assert AgencyReview.objects.get(pk=review.pk).state == "pending"


def test_declaration_page_has_inlines_and_the_log(client, submitted, officers):
    client.force_login(officers["customs"])
    response = client.get(f"/admin/declarations/declaration/{submitted.pk}/change/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "08109050" in text and "submit" in text


def test_managers_edit_rules_and_targets(client, gate_manager):
    from vehicles.models import Gate

    huu_nghi = Gate.objects.get(code="HUU_NGHI")
    client.force_login(gate_manager)
    assert client.get("/admin/declarations/routingrule/add/").status_code == 200
    assert client.get("/admin/declarations/reviewtarget/add/").status_code == 200
    response = client.post(
        "/admin/declarations/routingrule/add/",
        {"gate": huu_nghi.pk, "kind": "sample_red", "value": "2", "seed": "x", "is_active": "on"},
    )
    assert response.status_code == 200  # 2 is not a rate: the form comes back with the error
    assert response.context["adminform"].form.errors == {"value": ["a rate is a number between 0 and 1: '2'"]}
    assert "a rate is a number between 0 and 1" in response.content.decode()
    assert not RoutingRule.objects.exists()  # nothing created

    # A manager's rule is for one of their gates; a rule for every gate is a superuser's.
    response = client.post(
        "/admin/declarations/routingrule/add/",
        {"kind": "sample_red", "value": "0.05", "seed": "audit", "is_active": "on"},
    )
    assert response.status_code == 200
    assert "gate" in response.context["adminform"].form.errors
    assert not RoutingRule.objects.exists()

    response = client.post(
        "/admin/declarations/routingrule/add/",
        {"gate": huu_nghi.pk, "kind": "sample_red", "value": "0.05", "seed": "audit", "is_active": "on"},
    )
    assert response.status_code == 302
    rule = RoutingRule.objects.get()
    assert (rule.kind, rule.value, rule.seed, rule.is_active, rule.gate_id) == (
        "sample_red",
        "0.05",
        "audit",
        True,
        huu_nghi.pk,
    )


def test_the_page_says_why_no_button_is_shown(client, owner, officers):
    from vehicles.models import Gate

    yellow_always()
    Gate.objects.filter(code="HUU_NGHI").update(review_order=["quarantine", "customs"])
    declaration = services.declaration_submit(actor=owner, declaration=new_draft(owner))
    client.force_login(officers["customs"])
    page = client.get(f"{QUEUE}{review_of(declaration, 'customs').pk}/change/")
    assert page.context["review_actions"] == []
    assert "Quarantine" in page.context["review_blocked"]
