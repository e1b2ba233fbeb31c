"""The live parts of a declaration's page (state, next step, channel, validity, reviews, the
owner's actions) come from one set of templates: the page includes them, and the status URL
serves them alone for htmx to put in place, to the owner only, in the page's language."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from declarations import services
from declarations.models import Declaration
from tests.support.markup import element

from .conftest import approve_all, new_draft, review_of, yellow_always

pytestmark = pytest.mark.django_db

PARTS = [
    "declaration-live",
    "declaration-state",
    "next-step",
    "declaration-channel",
    "declaration-valid-until",
    "reviews",
    "declaration-actions",
]


def _no_token(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken" value=""', html)


def _page_and_part(client, declaration, language: str) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    page = client.get(f"/portal/declarations/{declaration.pk}/?lang={language}")
    part = client.get(f"/portal/declarations/{declaration.pk}/status/?lang={language}")
    assert page.status_code == 200 and part.status_code == 200
    assert "no-cache" in part["Cache-Control"]
    return _no_token(page.content.decode()), _no_token(part.content.decode())


@pytest.mark.parametrize(
    ("language", "submitted", "customs"),
    [("en", "Submitted", "Customs"), ("vi", "Đã nộp", "Hải quan"), ("zh-hans", "已提交", "海关")],
)
def test_the_status_partial_is_the_pages_live_parts_in_each_language(
    client, owner, language, submitted, customs
):
    yellow_always()
    draft = new_draft(owner)
    services.declaration_submit(actor=owner, declaration=draft)
    client.force_login(owner)
    page, part = _page_and_part(client, draft, language)
    assert "<html" not in part
    for part_id in PARTS:
        in_page = element(page, part_id)
        assert in_page, part_id
        assert in_page == element(part, part_id), part_id
        assert 'hx-swap-oob="true"' in in_page, part_id  # htmx puts each where the page has it
    assert f">{submitted}</span>" in element(part, "declaration-state")
    assert f">{customs}</td>" in element(part, "reviews")


def test_the_partial_follows_the_reviews_and_stops_asking_once_nothing_can_change(client, owner, officers):
    yellow_always()
    draft = new_draft(owner)
    services.declaration_submit(actor=owner, declaration=draft)
    client.force_login(owner)
    url = reverse("declarations:status", args=[draft.pk])
    poller = element(client.get(url).content.decode(), "declaration-live")
    assert f'hx-get="{url}" hx-trigger="every 4s"' in poller

    customs = review_of(draft, "customs")
    services.review_claim(actor=officers["customs"], review=customs)
    services.review_approve(actor=officers["customs"], review=customs, note="papers fine")
    html = client.get(url).content.decode()
    row = element(html, "reviews")
    assert '<span class="state approved">Approved</span>' in row and "papers fine" in row

    services.declaration_cancel(actor=owner, declaration=draft)
    html = client.get(url).content.decode()
    assert 'class="state big cancelled"' in element(html, "declaration-state")
    assert "hx-get" not in element(html, "declaration-live")  # polling ends with the last swap


def test_valid_until_is_written_in_the_gates_time_zone(client, owner, officers):
    yellow_always()
    draft = new_draft(owner)
    services.declaration_submit(actor=owner, declaration=draft)
    approve_all(draft, officers)
    Declaration.objects.filter(pk=draft.pk).update(
        valid_until=dt.datetime(2030, 3, 10, 17, 30, tzinfo=dt.UTC)
    )
    client.force_login(owner)
    url = reverse("declarations:status", args=[draft.pk])
    assert ">2030-03-11 00:30</dd>" in element(client.get(url).content.decode(), "declaration-valid-until")
    draft.gate.timezone = "Asia/Shanghai"
    draft.gate.save(update_fields=["timezone"])
    assert ">2030-03-11 01:30</dd>" in element(client.get(url).content.decode(), "declaration-valid-until")


def test_the_status_partial_is_the_owners_only_like_the_page(client, owner, other_owner, stranger):
    draft = new_draft(owner)
    page = f"/portal/declarations/{draft.pk}/"
    part = f"/portal/declarations/{draft.pk}/status/"
    anonymous = client.get(part)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")
    for who in (other_owner, stranger):
        client.force_login(who)
        assert client.get(part).status_code == client.get(page).status_code != 200
    client.force_login(owner)
    assert client.get(part).status_code == 200
    assert client.post(part).status_code == 405
    assert client.get("/portal/declarations/999999/status/").status_code == 404
