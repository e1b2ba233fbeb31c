"""Bad input found by fuzzing the API (schemathesis): each answers 4xx JSON or a plain page, never 500."""

from __future__ import annotations

import pytest

from tests import factories

pytestmark = pytest.mark.django_db

HUGE = "95302758746926758968874766434304"  # past 64 bits: the database cannot hold it


@pytest.fixture
def as_owner(api_client, owner):  # type: ignore[no-untyped-def]
    api_client.force_authenticate(owner)
    return api_client


@pytest.mark.parametrize(
    "query", [f"limit={HUGE}", f"offset={HUGE}", f"limit={HUGE}&offset={HUGE}", "limit=-5"]
)
def test_a_huge_or_negative_page_size_is_not_a_server_error(as_owner, company, query) -> None:  # type: ignore[no-untyped-def]
    factories.DeclarationFactory(company=company)
    response = as_owner.get(f"/api/v1/declarations/?{query}")
    assert response.status_code == 200
    assert isinstance(response.json()["results"], list)


def test_a_huge_page_size_is_cut_to_the_ceiling(as_owner, company) -> None:  # type: ignore[no-untyped-def]
    factories.DriverFactory.create_batch(3, company=company)
    response = as_owner.get(f"/api/v1/drivers/?limit={HUGE}&offset=1")
    assert response.status_code == 200
    body = response.json()
    assert len(body["results"]) == 2
    assert body["next"] is None
    assert "limit=500" in body["previous"]


def test_marking_a_notification_with_a_non_numeric_id_is_not_found(as_owner) -> None:  # type: ignore[no-untyped-def]
    response = as_owner.post("/api/v1/notifications/null%2Cnull/read/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
