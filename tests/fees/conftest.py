"""Fixtures of the fees tests: declarations with a computed fee, cargo and containers."""

from __future__ import annotations

from decimal import Decimal

import pytest

from declarations.fees.models import Fee
from declarations.fees.services import fee_assess
from declarations.models import CargoLine, Container, Declaration
from tests import factories


def make_declaration(
    *,
    company=None,  # type: ignore[no-untyped-def]
    direction: str = "import",
    delivery_mode: str = "standard",
    temporary_import: bool = False,
    cargo: list[tuple[str, int | float | str]] | None = None,
    containers: list[int] | None = None,
    gate: str = "HUU_NGHI",
    **kwargs,  # type: ignore[no-untyped-def]
) -> Declaration:
    """A declaration with cargo lines [(hs_code, gross_kg)] and containers [size_ft]."""
    extra = {"company": company} if company is not None else {}
    declaration = factories.DeclarationFactory(
        direction=direction,
        delivery_mode=delivery_mode,
        temporary_import=temporary_import,
        gate=factories.gate(gate),
        **extra,
        **kwargs,
    )
    for hs_code, kg in cargo or []:
        CargoLine.objects.create(
            declaration=declaration,
            description=f"goods {hs_code}",
            hs_code=hs_code,
            quantity=1,
            unit="lot",
            gross_kg=Decimal(str(kg)),
            perishable=hs_code[:2] in ("07", "08"),
        )
    for index, size in enumerate(containers or []):
        Container.objects.create(declaration=declaration, number=f"MSKU{index:06d}0", size_ft=size)
    return declaration


@pytest.fixture
def declaration_with_fee(company) -> Declaration:  # type: ignore[no-untyped-def]
    """An import of 12 t of dragon fruit at Hữu Nghị: 1,000,000 VND."""
    declaration = make_declaration(company=company, cargo=[("08109050", 12000)])
    fee_assess(declaration=declaration)
    return declaration


@pytest.fixture
def fee(declaration_with_fee) -> Fee:  # type: ignore[no-untyped-def]
    return declaration_with_fee.fee
