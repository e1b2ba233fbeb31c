"""Query counts of the registry lists: pinned, and the same for 3 rows as for 30 (no N+1)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories

pytestmark = pytest.mark.django_db


def _rows(company, n: int) -> None:  # type: ignore[no-untyped-def]
    for _ in range(n):
        factories.DriverFactory(company=company)
        factories.VehicleFactory(company=company)


def _count(get, url: str) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as queries:
        assert get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("url", ["/portal/drivers/", "/portal/vehicles/", "/portal/vehicles/?q=12C"])
def test_portal_lists_run_a_fixed_number_of_queries(client, owner, company, url):
    client.force_login(owner)
    _rows(company, 3)
    few = _count(client.get, url)
    _rows(company, 27)
    assert few <= 8  # session, user, company, count, rows, and the page's badges
    assert _count(client.get, url) == few


@pytest.mark.parametrize("url", ["/api/v1/companies/", "/api/v1/drivers/", "/api/v1/vehicles/"])
def test_api_lists_run_a_fixed_number_of_queries(api_client, owner, company, url):
    api_client.force_authenticate(owner)
    _rows(company, 3)
    few = _count(api_client.get, url)
    _rows(company, 27)
    assert few <= 3  # the caller's company, count, rows
    assert _count(api_client.get, url) == few
