"""The one place that says what a trip pays: `compute_fee(declaration, schedule)`.

Classification (which base rate applies), in this order:
1. direction "empty" (empty return): one `empty_truck` rate for the trip.
2. the declaration lists containers: one rate per container — 20 ft → `container_20`, 40 and
   45 ft → `container_40`; with `temporary_import` the `*_temporary_import` rates instead. The
   base is their sum (cargo weight is inside the containers and is not charged again).
3. otherwise by the total gross weight W of the cargo lines (kg):
   W < 2,000 and every line is vegetables or fruit (HS chapters 07, 08) → `small_produce`;
   W ≤ 5,000 → `bulk_up_to_5t`; ≤ 10,000 → `bulk_5_10t`; ≤ 15,000 → `bulk_10_15t`;
   ≤ 30,000 → `bulk_15_30t`; above → `bulk_over_30t`. Band limits belong to the lower band.

Multipliers, in this order, each at most once:
1. listed goods: any cargo line whose HS code starts with a listed prefix (e.g. ores, chapter
   26); when several listed rows match, the highest percent applies (they do not compound).
2. delivery: `inland_delivery` (130%) when the goods are delivered inland, `wharf_transship`
   (30%) when the truck only transships at the wharf; standard delivery has none.

Rounding: the exact product base × p1/100 × p2/100 … is rounded once, half up, to the nearest
1,000 VND (`round_vnd`). Amounts are integers throughout; no floating point touches money.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from cuakhau.errors import DomainError
from declarations.models import DeliveryMode
from vehicles.models import Direction

from .models import FeeSchedule, MultiplierKey, RateKey

ROUND_TO_VND = 1000
ROUNDING_KEY = "rounding"
ROUNDING_LABEL = _("Rounded to the nearest 1,000 VND")
SMALL_PRODUCE_MAX_KG = Decimal(2000)  # strictly under 2 t
PRODUCE_HS_CHAPTERS = ("07", "08")  # vegetables; fruit and nuts
WEIGHT_BANDS: tuple[tuple[Decimal | None, str], ...] = (
    (Decimal(5000), RateKey.BULK_UP_TO_5T),
    (Decimal(10000), RateKey.BULK_5_10T),
    (Decimal(15000), RateKey.BULK_10_15T),
    (Decimal(30000), RateKey.BULK_15_30T),
    (None, RateKey.BULK_OVER_30T),
)

Breakdown = list[dict[str, Any]]


def round_vnd(numerator: int, denominator: int = 1) -> int:
    """numerator/denominator rounded half up to a multiple of ROUND_TO_VND (non-negative only)."""
    step = denominator * ROUND_TO_VND
    return (2 * numerator + step) // (2 * step) * ROUND_TO_VND


def classify(declaration: Any) -> list[tuple[str, str]]:
    """The base rate keys of a trip, each with a detail for the breakdown (container number,
    weight). One entry per container, otherwise exactly one."""
    if declaration.direction == Direction.EMPTY:
        return [(RateKey.EMPTY_TRUCK, "")]
    containers = list(declaration.containers.all())
    if containers:
        keys: list[tuple[str, str]] = []
        for container in containers:
            big = container.size_ft >= 40
            key: str
            if declaration.temporary_import:
                key = RateKey.CONTAINER_40_TEMPORARY_IMPORT if big else RateKey.CONTAINER_20_TEMPORARY_IMPORT
            else:
                key = RateKey.CONTAINER_40 if big else RateKey.CONTAINER_20
            keys.append((key, container.number))
        return keys
    lines = list(declaration.cargo_lines.all())
    total = sum((Decimal(line.gross_kg) for line in lines), Decimal(0))
    detail = f"{total.normalize():f} kg"
    if lines and total < SMALL_PRODUCE_MAX_KG and all(_is_produce(line.hs_code) for line in lines):
        return [(RateKey.SMALL_PRODUCE, detail)]
    for limit, key in WEIGHT_BANDS:
        if limit is None or total <= limit:
            return [(key, detail)]
    raise AssertionError("unreachable: the last band is open")  # pragma: no cover


def _is_produce(hs_code: str) -> bool:
    return (hs_code or "")[:2] in PRODUCE_HS_CHAPTERS


def _matches(hs_codes: Iterable[str], prefixes: list[str]) -> bool:
    return any(code.startswith(prefix) for code in hs_codes for prefix in prefixes)


def compute_fee(declaration: Any, schedule: FeeSchedule) -> tuple[int, Breakdown]:
    """The fee of `declaration` under `schedule`: (amount in VND, breakdown).

    Deterministic: reads only the declaration (direction, delivery mode, temporary import,
    containers, cargo lines) and the schedule's rates and multipliers. The breakdown lists each
    base rate `{key, label, detail, amount}`, each multiplier `{key, label, factor, percent}`
    and, when rounding moved the amount, `{key: "rounding", label, amount: the difference}`.
    Labels are stored in English; pages translate them by `key` (selectors.fee_breakdown_lines).
    Raises DomainError when the schedule lacks a rate the trip needs.
    """
    with translation.override("en"):
        return _compute(declaration, schedule)


def _compute(declaration: Any, schedule: FeeSchedule) -> tuple[int, Breakdown]:
    rates = {rate.key: rate.amount for rate in schedule.rates.all()}
    multipliers = list(schedule.multipliers.all())
    breakdown: Breakdown = []

    base = 0
    for key, detail in classify(declaration):
        if key not in rates:
            raise DomainError(
                _("The fee schedule %(schedule)s has no rate for %(class)s.")
                % {"schedule": schedule.name, "class": RateKey(key).label},
                code="fee_rate_missing",
            )
        base += rates[key]
        breakdown.append(
            {"key": key, "label": str(RateKey(key).label), "detail": detail, "amount": rates[key]}
        )

    applied = []
    hs_codes = [line.hs_code for line in declaration.cargo_lines.all()]
    listed = [
        m for m in multipliers if m.key == MultiplierKey.LISTED_GOODS and _matches(hs_codes, m.prefixes)
    ]
    if listed:
        applied.append(max(listed, key=lambda m: (m.percent, -m.pk)))
    mode_key = {
        DeliveryMode.INLAND: MultiplierKey.INLAND_DELIVERY,
        DeliveryMode.WHARF_TRANSSHIP: MultiplierKey.WHARF_TRANSSHIP,
    }.get(declaration.delivery_mode)
    applied.extend(m for m in multipliers if mode_key and m.key == mode_key)

    numerator, denominator = base, 1
    for multiplier in applied:
        numerator *= multiplier.percent
        denominator *= 100
        breakdown.append(
            {
                "key": multiplier.key,
                "label": multiplier.label or str(MultiplierKey(multiplier.key).label),
                "factor": float(Decimal(multiplier.percent) / 100),
                "percent": multiplier.percent,
            }
        )
    amount = round_vnd(numerator, denominator)
    difference = (Decimal(amount) - Decimal(numerator) / Decimal(denominator)).quantize(
        Decimal(1), ROUND_HALF_UP
    )
    if difference:
        breakdown.append({"key": ROUNDING_KEY, "label": str(ROUNDING_LABEL), "amount": int(difference)})
    return amount, breakdown
