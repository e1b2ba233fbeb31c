"""Fixtures of the declaration workflow: a draft of `owner`'s company and officers at one gate.

Every test starts without routing/risk rule rows (the migration seeds "first declaration →
yellow"); a test that needs a rule creates it, so what decides the channel is in the test.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from cuakhau.accounts.roles import Agency, Role
from declarations import services
from declarations.models import RoutingRule, RuleKind
from tests import factories

FRUIT = {
    "description": "Thanh long (dragon fruit)",
    "hs_code": "08109050",
    "quantity": "1000",
    "unit": "kg",
    "gross_kg": "1100",
    "value": "1200",
    "origin": "VN",
    "perishable": True,
}
MACHINES = {
    "description": "Máy bơm nước (water pumps)",
    "hs_code": "84137099",
    "quantity": "20",
    "unit": "pcs",
    "gross_kg": "800",
    "value": "5000",
    "origin": "CN",
    "perishable": False,
}


@pytest.fixture(autouse=True)
def _no_rules(db):  # type: ignore[no-untyped-def]
    RoutingRule.objects.all().delete()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }


def make_rule(kind: str, value: str = "", **kwargs: Any) -> RoutingRule:
    return RoutingRule.objects.create(kind=kind, value=value, **kwargs)


def yellow_always() -> RoutingRule:
    """A prefix rule that matches every cargo code used in these tests: customs checks by hand."""
    return make_rule(RuleKind.YELLOW_PREFIXES, ",".join(f"{chapter:02d}" for chapter in range(1, 100)))


@pytest.fixture
def vehicle(company):  # type: ignore[no-untyped-def]
    return factories.VehicleFactory(company=company)


@pytest.fixture
def driver(company):  # type: ignore[no-untyped-def]
    return factories.DriverFactory(company=company)


def new_draft(owner: Any, *, lines: list[dict] | None = None, gate: str = "HUU_NGHI", **kwargs: Any):  # type: ignore[no-untyped-def]
    from vehicles.selectors import company_for_user

    company = company_for_user(owner)
    vehicle = kwargs.pop("vehicle", None) or factories.VehicleFactory(company=company)
    driver = kwargs.pop("driver", None) or factories.DriverFactory(company=company)
    return services.declaration_create(
        actor=owner,
        vehicle=vehicle,
        driver=driver,
        gate=gate,
        direction=kwargs.pop("direction", "export"),
        planned_date=kwargs.pop("planned_date", timezone.localdate() + dt.timedelta(days=1)),
        cargo_lines=[FRUIT] if lines is None else lines,
        **kwargs,
    )


@pytest.fixture
def draft(owner):  # type: ignore[no-untyped-def]
    """A draft of fruit (quarantine needed) at Hữu Nghị."""
    return new_draft(owner)


@pytest.fixture
def officers(customs_officer, border_guard_officer, quarantine_officer):  # type: ignore[no-untyped-def]
    return {
        Agency.CUSTOMS: customs_officer,
        Agency.BORDER_GUARD: border_guard_officer,
        Agency.QUARANTINE: quarantine_officer,
    }


@pytest.fixture
def far_officer(db):  # type: ignore[no-untyped-def]
    """A customs officer working only at Cốc Nam: must not see Hữu Nghị's reviews."""
    return factories.staff_user(Role.CUSTOMS, Agency.CUSTOMS, gates=["COC_NAM"])


def review_of(declaration, agency: str):  # type: ignore[no-untyped-def]
    return declaration.reviews.get(agency=agency)


def approve_all(declaration, officers: dict) -> None:  # type: ignore[no-untyped-def]
    for review in declaration.reviews.order_by("id"):
        if review.state == "pending":
            services.review_claim(actor=officers[review.agency], review=review)
            review.refresh_from_db()
        if review.state == "in_review":
            services.review_approve(actor=officers[review.agency], review=review, note="ok")
