"""The fee of a trip: a table of trips with their fees computed by hand from the seeded 2025
schedule (declarations/fees/migrations/0002_seed_2025_schedule.py):

  small produce 100,000 · goods ≤5 t 300,000 · ≤10 t 600,000 · ≤15 t 1,000,000 · ≤30 t 1,500,000
  · >30 t 2,000,000 · 20 ft 1,500,000 · 40/45 ft 2,200,000 · 20 ft temporary import 2,500,000
  · 40 ft temporary import 4,000,000 · empty 100,000; ores (HS 26) ×5, inland ×1.3, wharf ×0.3.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from cuakhau.errors import DomainError
from declarations.fees.models import FeeSchedule
from declarations.fees.rules import compute_fee, round_vnd
from declarations.fees.selectors import schedule_in_force
from declarations.models import Declaration

from .conftest import make_declaration

pytestmark = pytest.mark.django_db

VEG, FRUIT, RUBBER, ORE, ORE_2 = "07020000", "08109050", "40011000", "26011100", "26020000"

TRIPS = [
    # id, direction, delivery, temporary import, cargo [(hs, kg)], containers [ft], expected VND
    # 1.5 t of tomatoes: small produce, under 2 t → 100,000
    ("small vegetable load", "export", "standard", False, [(VEG, 1500)], [], 100_000),
    # 1,999.99 kg of fruit is still under 2 t → 100,000
    ("fruit just under 2 t", "export", "standard", False, [(FRUIT, "1999.99")], [], 100_000),
    # exactly 2,000 kg is not "under 2 t": goods up to 5 t → 300,000
    ("fruit at exactly 2 t", "export", "standard", False, [(FRUIT, 2000)], [], 300_000),
    # 1,000 kg fruit + 500 kg rubber = 1.5 t, but not all produce: goods up to 5 t → 300,000
    ("mixed small load", "export", "standard", False, [(FRUIT, 1000), (RUBBER, 500)], [], 300_000),
    # 5,000 kg: a band's limit belongs to the lower band → 300,000
    ("goods at exactly 5 t", "export", "standard", False, [(RUBBER, 5000)], [], 300_000),
    # 5,000.01 kg: over 5 t up to 10 t → 600,000
    ("goods just over 5 t", "export", "standard", False, [(RUBBER, "5000.01")], [], 600_000),
    # 7,000 + 5,000 = 12,000 kg: over 10 t up to 15 t → 1,000,000
    ("12 t over two lines", "import", "standard", False, [(FRUIT, 7000), (RUBBER, 5000)], [], 1_000_000),
    # 25 t delivered inland: 1,500,000 × 130% = 1,950,000
    ("25 t delivered inland", "import", "inland", False, [(RUBBER, 25000)], [], 1_950_000),
    # 32 t transshipped at the wharf: 2,000,000 × 30% = 600,000
    ("32 t wharf transship", "import", "wharf_transship", False, [(RUBBER, 32000)], [], 600_000),
    # one 40 ft container in temporary import → 4,000,000
    ("40 ft temporary import", "import", "standard", True, [(RUBBER, 20000)], [40], 4_000_000),
    # a 45 ft container is charged as 40 ft → 2,200,000 (its 20 t of cargo is not charged again)
    ("45 ft container", "import", "standard", False, [(RUBBER, 20000)], [45], 2_200_000),
    # two 20 ft containers: 2 × 1,500,000 = 3,000,000
    ("two 20 ft containers", "export", "standard", False, [(FRUIT, 18000)], [20, 20], 3_000_000),
    # 20 ft temporary import delivered inland: 2,500,000 × 130% = 3,250,000
    ("20 ft temporary import inland", "import", "inland", True, [(RUBBER, 9000)], [20], 3_250_000),
    # 40 ft temporary import delivered inland: 4,000,000 × 130% = 5,200,000
    ("40 ft temporary import inland", "import", "inland", True, [(RUBBER, 20000)], [40], 5_200_000),
    # 40 ft at the wharf: 2,200,000 × 30% = 660,000
    ("40 ft wharf transship", "import", "wharf_transship", False, [(RUBBER, 20000)], [40], 660_000),
    # 28 t of iron ore: 1,500,000 × 500% = 7,500,000
    ("28 t of ore", "import", "standard", False, [(ORE, 28000)], [], 7_500_000),
    # 28 t of ore delivered inland: 1,500,000 × 500% × 130% = 9,750,000
    ("28 t of ore inland", "import", "inland", False, [(ORE, 28000)], [], 9_750_000),
    # ore in a 40 ft container: 2,200,000 × 500% = 11,000,000
    ("ore in a 40 ft container", "import", "standard", False, [(ORE_2, 25000)], [40], 11_000_000),
    # one ore line among others makes the load listed: 10 t → 600,000 × 500% = 3,000,000
    ("one ore line among others", "import", "standard", False, [(RUBBER, 9000), (ORE, 1000)], [], 3_000_000),
    # empty return → 100,000
    ("empty return", "empty", "standard", False, [], [], 100_000),
    # empty return transshipping at the wharf: 100,000 × 30% = 30,000
    ("empty return at the wharf", "empty", "wharf_transship", False, [], [], 30_000),
    # small produce at the wharf: 100,000 × 30% = 30,000
    ("small produce at the wharf", "export", "wharf_transship", False, [(VEG, 800)], [], 30_000),
]


@pytest.fixture
def seeded() -> FeeSchedule:
    schedule = schedule_in_force(dt.date(2026, 11, 26))
    assert schedule is not None and schedule.resolution == "09/2025/NQ-HĐND"
    return schedule


@pytest.mark.parametrize(
    ("direction", "delivery", "temporary", "cargo", "containers", "expected"),
    [trip[1:] for trip in TRIPS],
    ids=[trip[0] for trip in TRIPS],
)
def test_each_trip_pays_its_hand_computed_fee(
    seeded, direction, delivery, temporary, cargo, containers, expected
):
    declaration = make_declaration(
        direction=direction,
        delivery_mode=delivery,
        temporary_import=temporary,
        cargo=cargo,
        containers=containers,
    )
    amount, _breakdown = compute_fee(declaration, seeded)
    assert amount == expected
    assert type(amount) is int


def test_the_breakdown_lists_each_base_rate_and_each_multiplier(seeded):
    declaration = make_declaration(
        delivery_mode="inland", temporary_import=True, cargo=[(ORE, 20000)], containers=[40, 20]
    )
    amount, breakdown = compute_fee(declaration, seeded)
    # (4,000,000 + 2,500,000) × 500% × 130% = 42,250,000
    assert amount == 42_250_000
    assert [(b["key"], b.get("amount"), b.get("percent")) for b in breakdown] == [
        ("container_40_temporary_import", 4_000_000, None),
        ("container_20_temporary_import", 2_500_000, None),
        ("listed_goods", None, 500),
        ("inland_delivery", None, 130),
    ]
    assert breakdown[0]["detail"] == "MSKU0000000"
    assert breakdown[2]["label"] == "Ores, slag and ash (HS 26)" and breakdown[2]["factor"] == 5.0
    assert breakdown[3]["factor"] == 1.3


def test_the_same_trip_always_gets_the_same_fee(seeded):
    """Re-read, computed again, whatever language is active: the same amount and breakdown,
    whose labels are stored in English (pages translate them by key)."""
    declaration = make_declaration(delivery_mode="inland", cargo=[(RUBBER, "25000.50")])
    # 25,000.5 kg: over 15 t up to 30 t, 1,500,000 × 130% = 1,950,000 (no rounding line)
    expected = (
        1_950_000,
        [
            {
                "key": "bulk_15_30t",
                "label": "Goods over 15 t up to 30 t",
                "detail": "25000.5 kg",
                "amount": 1_500_000,
            },
            {"key": "inland_delivery", "label": "Import delivered inland", "factor": 1.3, "percent": 130},
        ],
    )
    for language in ("vi", "zh-hans", "en", "vi"):
        with translation.override(language):
            assert compute_fee(Declaration.objects.get(pk=declaration.pk), seeded) == expected


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [
        (2_499, 1, 2_000),  # below half: down
        (2_500, 1, 3_000),  # exactly half: up (not to even)
        (3_500, 1, 4_000),  # exactly half: up (banker's rounding would also give 4,000)
        (4_500, 1, 5_000),  # exactly half: up (banker's rounding would give 4,000)
        (123_456 * 130, 100, 160_000),  # 160,492.8 → 160,000
        (1_500 * 130, 100, 2_000),  # 1,950 → 2,000
        (0, 1, 0),
    ],
)
def test_amounts_are_rounded_half_up_to_the_nearest_thousand(numerator, denominator, expected):
    assert round_vnd(numerator, denominator) == expected


def test_rounding_is_applied_once_and_shown_in_the_breakdown():
    schedule = FeeSchedule.objects.create(name="odd", valid_from=dt.date(2020, 1, 1))
    schedule.rates.create(key="bulk_up_to_5t", amount=123_456)
    schedule.multipliers.create(key="inland_delivery", percent=130)
    declaration = make_declaration(delivery_mode="inland", cargo=[(RUBBER, 3000)])
    amount, breakdown = compute_fee(declaration, schedule)
    # 123,456 × 130% = 160,492.8 → 160,000; the rounding line says -492.8 → -493
    assert amount == 160_000
    assert breakdown[-1] == {"key": "rounding", "label": "Rounded to the nearest 1,000 VND", "amount": -493}


def test_of_several_listed_goods_rows_only_the_highest_applies():
    schedule = FeeSchedule.objects.create(name="listed", valid_from=dt.date(2020, 1, 1))
    schedule.rates.create(key="bulk_up_to_5t", amount=300_000)
    schedule.multipliers.create(key="listed_goods", label="Iron ore", percent=300, hs_prefixes="2601")
    schedule.multipliers.create(key="listed_goods", label="All ores", percent=200, hs_prefixes="26, 2701")
    declaration = make_declaration(cargo=[(ORE, 4000)])
    amount, breakdown = compute_fee(declaration, schedule)
    # 300,000 × 300% = 900,000 (the 200% row also matches, but does not compound)
    assert amount == 900_000
    assert [b["label"] for b in breakdown if b["key"] == "listed_goods"] == ["Iron ore"]


def test_a_schedule_without_the_needed_rate_is_refused_clearly():
    schedule = FeeSchedule.objects.create(name="incomplete", valid_from=dt.date(2020, 1, 1))
    declaration = make_declaration(cargo=[(RUBBER, 3000)])
    with pytest.raises(DomainError) as exc:
        compute_fee(declaration, schedule)
    assert exc.value.code == "fee_rate_missing"


def test_of_several_listed_rows_with_the_same_percent_the_first_entered_applies():
    schedule = FeeSchedule.objects.create(name="tie", valid_from=dt.date(2020, 1, 1))
    schedule.rates.create(key="bulk_up_to_5t", amount=300_000)
    schedule.multipliers.create(key="listed_goods", label="Entered first", percent=200, hs_prefixes="26")
    schedule.multipliers.create(key="listed_goods", label="Entered second", percent=200, hs_prefixes="2601")
    amount, breakdown = compute_fee(make_declaration(cargo=[(ORE, 4000)]), schedule)
    assert amount == 600_000  # 300,000 × 200%, once
    assert [b["label"] for b in breakdown if b["key"] == "listed_goods"] == ["Entered first"]


def test_a_listed_row_that_matches_no_line_does_not_apply(seeded):
    amount, breakdown = compute_fee(make_declaration(cargo=[(RUBBER, 4000)]), seeded)
    assert (amount, [b["key"] for b in breakdown]) == (300_000, ["bulk_up_to_5t"])


def test_a_trip_with_no_cargo_line_is_the_lightest_goods_band_not_small_produce(seeded):
    amount, breakdown = compute_fee(make_declaration(direction="export"), seeded)
    assert amount == 300_000
    assert breakdown == [
        {"key": "bulk_up_to_5t", "label": "Goods up to 5 t", "detail": "0 kg", "amount": 300_000}
    ]


def test_a_missing_rate_names_the_schedule_and_the_class():
    schedule = FeeSchedule.objects.create(name="incomplete", valid_from=dt.date(2020, 1, 1))
    with pytest.raises(DomainError) as exc:
        compute_fee(make_declaration(cargo=[(RUBBER, 3000)]), schedule)
    assert str(exc.value) == "The fee schedule incomplete has no rate for Goods up to 5 t."


def test_the_breakdown_labels_are_stored_in_english_whatever_the_language(seeded):
    declaration = make_declaration(delivery_mode="wharf_transship", cargo=[(VEG, 800)])
    with translation.override("vi"):
        amount, breakdown = compute_fee(declaration, seeded)
    # 100,000 × 30% = 30,000
    assert amount == 30_000
    assert breakdown == [
        {
            "key": "small_produce",
            "label": "Small load of vegetables or fruit (under 2 t)",
            "detail": "800 kg",
            "amount": 100_000,
        },
        {"key": "wharf_transship", "label": "Transshipped at the wharf only", "factor": 0.3, "percent": 30},
    ]


def test_rounding_up_shows_a_positive_difference():
    schedule = FeeSchedule.objects.create(name="up", valid_from=dt.date(2020, 1, 1))
    schedule.rates.create(key="bulk_up_to_5t", amount=100_500)
    amount, breakdown = compute_fee(make_declaration(cargo=[(RUBBER, 3000)]), schedule)
    assert amount == 101_000  # 100,500 is half: up
    assert breakdown[-1] == {"key": "rounding", "label": "Rounded to the nearest 1,000 VND", "amount": 500}


def test_a_whole_amount_is_rounded_without_a_denominator():
    assert (round_vnd(2_499), round_vnd(2_500), round_vnd(1_000)) == (2_000, 3_000, 1_000)


def test_an_empty_return_is_one_empty_truck_rate_without_detail(seeded):
    assert compute_fee(make_declaration(direction="empty"), seeded) == (
        100_000,
        [{"key": "empty_truck", "label": "Empty vehicle", "detail": "", "amount": 100_000}],
    )


def test_the_rounding_line_rounds_a_half_vnd_away_from_zero():
    schedule = FeeSchedule.objects.create(name="half", valid_from=dt.date(2020, 1, 1))
    schedule.rates.create(key="bulk_up_to_5t", amount=100_999)
    schedule.multipliers.create(key="inland_delivery", percent=150)
    amount, breakdown = compute_fee(
        make_declaration(delivery_mode="inland", cargo=[(RUBBER, 3000)]), schedule
    )
    # 100,999 × 150% = 151,498.5 → 151,000; the difference −498.5 VND is shown as −499 (half up,
    # away from zero; rounding half to even would say −498)
    assert amount == 151_000
    assert breakdown[-1] == {"key": "rounding", "label": "Rounded to the nearest 1,000 VND", "amount": -499}
