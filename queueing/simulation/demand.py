"""Who comes to the gate: the trucks of a simulated day, shaped by DOMAIN-FACTS.md.

Every truck's plan (direction, cargo, when it declares, which hour it wants, how early or late it
comes, whether it comes at all, the officers' verdicts on it) is drawn from its OWN random stream,
seeded by (seed, gate, day, truck number). So a scenario that changes a capacity or a rate meets
exactly the same trucks as its baseline — the difference in the results is the scenario's, not
the dice's — and the same seed gives the same day.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass, field
from typing import Any

from declarations.codes import container_check_digit

from .params import AGENCIES, Params

# Typical trucks a day (DOMAIN-FACTS.md, 2025) and the partner side's usual daily acceptance.
TYPICAL_TRUCKS = {"HUU_NGHI": 870, "TAN_THANH": 580, "CHI_MA": 230, "COC_NAM": 76}
# Direction mix: Hữu Nghị ≈ 260 export / 610 import of 870; Tân Thanh is the fruit export point.
DIRECTION_MIX = {
    "HUU_NGHI": {"export": 0.28, "import": 0.64, "empty": 0.08},
    "TAN_THANH": {"export": 0.52, "import": 0.41, "empty": 0.07},
    "CHI_MA": {"export": 0.35, "import": 0.57, "empty": 0.08},
    "COC_NAM": {"export": 0.5, "import": 0.5},
}
# Of the exports on an ordinary day, 181 of 261 were fruit (1 Jan 2026); in the peak ~75–85%.
FRUIT_SHARE = {False: 0.70, True: 0.85}

# (description, HS code, unit, typical net kg or units, value USD per unit, perishable, origin)
FRUIT = [
    ("Thanh long ruột đỏ (dragon fruit)", "08109050", "kg", 18000, 1.2, True, "VN"),
    ("Mít tươi (fresh jackfruit)", "08109092", "kg", 15000, 0.6, True, "VN"),
    ("Sầu riêng tươi (fresh durian)", "08106000", "kg", 14000, 3.5, True, "VN"),
    ("Xoài tươi (fresh mango)", "08045020", "kg", 16000, 0.9, True, "VN"),
    ("Chuối tươi (fresh bananas)", "08039010", "kg", 20000, 0.4, True, "VN"),
    ("Dưa hấu (watermelon)", "08071100", "kg", 22000, 0.3, True, "VN"),
    ("Vải thiều tươi (fresh lychee)", "081090", "kg", 12000, 1.5, True, "VN"),
]
OTHER_EXPORT = [
    ("Tinh bột sắn (cassava starch)", "11081400", "kg", 28000, 0.45, False, "VN"),
    ("Cao su tự nhiên (natural rubber)", "40012100", "kg", 25000, 1.6, False, "VN"),
    ("Đồ gỗ nội thất (wooden furniture)", "94036090", "set", 300, 120.0, False, "VN"),
    ("Tôm đông lạnh (frozen shrimp)", "03061719", "kg", 15000, 8.0, True, "VN"),
    ("Hạt điều (cashew kernels)", "08013200", "kg", 16000, 6.5, False, "VN"),
]
MANUFACTURED = [
    ("Linh kiện máy nông nghiệp (farm machinery parts)", "84329090", "set", 120, 300.0, False, "CN"),
    ("Linh kiện điện thoại (phone components)", "85177921", "pcs", 40000, 2.5, False, "CN"),
    ("Vải dệt thoi (woven fabric)", "54075200", "m", 60000, 1.1, False, "CN"),
    ("Phân bón NPK (fertiliser)", "31052000", "kg", 30000, 0.35, False, "CN"),
    ("Thép cuộn cán nóng (hot-rolled steel coil)", "72083900", "kg", 32000, 0.6, False, "CN"),
    ("Hạt nhựa PE (polyethylene granules)", "39011092", "kg", 25000, 1.1, False, "CN"),
]
FOOD_IMPORT = [
    ("Táo tươi (fresh apples)", "08081000", "kg", 18000, 1.0, True, "CN"),
    ("Cam tươi (fresh oranges)", "08051020", "kg", 18000, 0.8, True, "CN"),
    ("Tỏi củ (garlic)", "07032090", "kg", 24000, 0.7, True, "CN"),
]
# Hours trucks ask for (local, weights): a morning rush, a lunch dip, a second wave.
HOUR_WEIGHTS = {
    6: 6, 7: 9, 8: 10, 9: 10, 10: 9, 11: 7, 12: 5, 13: 6, 14: 8,
    15: 8, 16: 7, 17: 6, 18: 5, 19: 4, 20: 3, 21: 2,
}  # fmt: skip
# Outcomes of a review, per agency: (reject rate, request-information rate).
REVIEW_OUTCOMES = {"customs": (0.005, 0.03), "border_guard": (0.003, 0.01), "quarantine": (0.01, 0.03)}
LATE_RATE = 0.03  # trucks that come well after their window (stuck on the road)
CASH_RATE = 0.15  # trucks whose fee is paid in cash at the lane, not by transfer while waiting


@dataclass
class TruckPlan:
    key: str  # "<gate>/<day>/<n>"
    gate: str
    day: dt.date
    number: int  # 0-based within the gate's day
    direction: str
    cargo: list[dict[str, Any]]
    containers: list[dict[str, Any]]
    vehicle_kind: str
    declare_before_hours: float  # declares this long before the hour it wants
    hour_draw: float  # [0, 1): which hour of the day's opening hours it wants
    no_show: bool
    arrival_offset_minutes: float  # from its slot's start (negative: early)
    review_draws: dict[str, float] = field(default_factory=dict)  # [0, 1) per agency
    think_factors: dict[str, float] = field(default_factory=dict)  # lognormal, mean 1
    resubmit_minutes: float = 45.0
    to_lane_minutes: float = 8.0
    pays_cash: bool = False
    inspection_factor: float = 1.0

    @property
    def perishable(self) -> bool:
        return any(line["perishable"] for line in self.cargo)


def trucks_per_gate(params: Params) -> dict[str, int]:
    """Trucks a day at each simulated gate: the typical day, or --trucks split by typical share."""
    gates = params.gates
    if params.trucks is None:
        return {g: TYPICAL_TRUCKS[g] for g in gates}
    total = sum(TYPICAL_TRUCKS[g] for g in gates)
    shares = {g: params.trucks * TYPICAL_TRUCKS[g] / total for g in gates}
    counts = {g: int(shares[g]) for g in gates}
    # Largest remainders get the trucks rounding left over, so the total is exactly --trucks.
    for g in sorted(gates, key=lambda g: shares[g] - counts[g], reverse=True)[
        : params.trucks - sum(counts.values())
    ]:
        counts[g] += 1
    return counts


def partner_acceptance(params: Params, gate: str) -> int | None:
    """The scenario's partner figure for one gate (ALL: split by typical traffic); None: usual."""
    if params.partner_accepts is None:
        return None
    if len(params.gates) == 1:
        return params.partner_accepts
    total = sum(TYPICAL_TRUCKS[g] for g in params.gates)
    return round(params.partner_accepts * TYPICAL_TRUCKS[gate] / total)


def officers_per_gate(params: Params, gate: str) -> dict[str, int]:
    """Officers per agency at `gate`: Hữu Nghị's numbers scaled by traffic, rounded up (a small
    gate's lone officer would otherwise be busy all day)."""
    share = TYPICAL_TRUCKS[gate] / TYPICAL_TRUCKS["HUU_NGHI"]
    return {a: max(1, math.ceil(params.officer_count(a) * share)) for a in AGENCIES}


def _lognormal(rng: random.Random, sigma: float = 0.5) -> float:
    """A positive factor with mean 1 (so the mean think time is what the scenario says)."""
    return math.exp(rng.gauss(0, sigma) - sigma * sigma / 2)


def _cargo(rng: random.Random, items: list[tuple], gross_factor: float = 1.08) -> dict[str, Any]:
    description, hs, unit, typical, unit_value, perishable, origin = rng.choice(items)
    quantity = max(1, round(typical * rng.uniform(0.7, 1.1)))
    per_unit_kg = 1.0 if unit == "kg" else {"set": 70.0, "pcs": 0.2, "m": 0.3}[unit]
    gross = max(100, round(quantity * per_unit_kg * gross_factor))
    return {
        "description": description,
        "hs_code": hs,
        "quantity": quantity,
        "unit": unit,
        "gross_kg": gross,
        "value": round(quantity * unit_value),
        "origin": origin,
        "perishable": perishable,
    }


def _container(rng: random.Random) -> dict[str, Any]:
    owner = rng.choice(["CSQ", "MSK", "COS", "TGH", "OOL"]) + "U"
    serial = f"{rng.randrange(1_000_000):06d}"
    return {
        "number": f"{owner}{serial}{container_check_digit(owner + serial)}",
        "size_ft": rng.choice([20, 40, 40]),
    }


def plan_truck(params: Params, gate: str, day: dt.date, number: int) -> TruckPlan:
    rng = random.Random(f"{params.seed}:{gate}:{day.isoformat()}:{number}")
    mix = dict(DIRECTION_MIX[gate])
    if params.fruit_peak and "export" in mix:
        mix["export"] *= 1.5
    directions = list(mix)
    direction = rng.choices(directions, weights=[mix[d] for d in directions])[0]
    cargo: list[dict[str, Any]] = []
    containers: list[dict[str, Any]] = []
    kind = "truck"
    if direction == "export":
        if rng.random() < FRUIT_SHARE[params.fruit_peak]:
            cargo = [_cargo(rng, FRUIT)]
            kind = "refrigerated"
        else:
            cargo = [_cargo(rng, OTHER_EXPORT)]
    elif direction == "import":
        if rng.random() < 0.8:
            cargo = [_cargo(rng, MANUFACTURED)]
            if rng.random() < 0.6:
                containers = [_container(rng)]
                kind = "container_tractor"
        else:
            cargo = [_cargo(rng, FOOD_IMPORT)]
    late = rng.random() < LATE_RATE
    return TruckPlan(
        key=f"{gate}/{day.isoformat()}/{number}",
        gate=gate,
        day=day,
        number=number,
        direction=direction,
        cargo=cargo,
        containers=containers,
        vehicle_kind=kind,
        declare_before_hours=rng.uniform(3, 20),
        hour_draw=rng.random(),
        no_show=rng.random() < params.no_show_rate,
        arrival_offset_minutes=rng.uniform(70, 150) if late else max(-120.0, rng.gauss(-25, 30)),
        review_draws={a: rng.random() for a in AGENCIES},
        think_factors={a: _lognormal(rng) for a in AGENCIES},
        resubmit_minutes=rng.uniform(20, 90),
        to_lane_minutes=rng.uniform(4, 15),
        pays_cash=rng.random() < CASH_RATE,
        inspection_factor=_lognormal(rng, 0.3),
    )


def review_outcome(plan: TruckPlan, agency: str, round_: int) -> str:
    """approve / reject / request_info for this truck's review; a resubmission is approved."""
    reject, info = REVIEW_OUTCOMES[agency]
    draw = plan.review_draws[agency]
    if draw < reject:
        return "reject"
    if draw < reject + info and round_ <= 1:
        return "request_info"
    return "approve"


def wanted_hour(plan: TruckPlan, hours: list[int]) -> int:
    """The hour of the day's opening hours this truck asks for (weights HOUR_WEIGHTS)."""
    weights = [HOUR_WEIGHTS.get(h, 1) for h in hours]
    total = sum(weights)
    target = plan.hour_draw * total
    for hour, weight in zip(hours, weights, strict=True):
        target -= weight
        if target < 0:
            return hour
    return hours[-1]
