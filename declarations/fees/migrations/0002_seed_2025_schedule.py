"""Seed the schedule shaped like Lạng Sơn's Resolution 09/2025/NQ-HĐND (DOMAIN-FACTS.md).

The figures are realistic in shape (about 100,000 VND for a small load of vegetables up to
about 4,000,000 VND for a 40 ft container in temporary import; 130% inland; 30% wharf) and are
data: a manager edits them, or adds a newer schedule, in the admin.
"""

import datetime

from django.db import migrations

NAME = "Lạng Sơn 2025"
RESOLUTION = "09/2025/NQ-HĐND"

RATES = {
    "small_produce": 100_000,
    "bulk_up_to_5t": 300_000,
    "bulk_5_10t": 600_000,
    "bulk_10_15t": 1_000_000,
    "bulk_15_30t": 1_500_000,
    "bulk_over_30t": 2_000_000,
    "container_20": 1_500_000,
    "container_40": 2_200_000,
    "container_20_temporary_import": 2_500_000,
    "container_40_temporary_import": 4_000_000,
    "empty_truck": 100_000,
}

MULTIPLIERS = [
    # key, label, percent, HS prefixes
    ("listed_goods", "Ores, slag and ash (HS 26)", 500, "26"),
    ("inland_delivery", "", 130, ""),
    ("wharf_transship", "", 30, ""),
]


def seed(apps, schema_editor):
    FeeSchedule = apps.get_model("fees", "FeeSchedule")
    if FeeSchedule.objects.filter(resolution=RESOLUTION).exists():
        return
    schedule = FeeSchedule.objects.create(
        name=NAME, resolution=RESOLUTION, valid_from=datetime.date(2025, 1, 1), is_active=True
    )
    for key, amount in RATES.items():
        schedule.rates.create(key=key, amount=amount)
    for key, label, percent, prefixes in MULTIPLIERS:
        schedule.multipliers.create(key=key, label=label, percent=percent, hs_prefixes=prefixes)


def unseed(apps, schema_editor):
    FeeSchedule = apps.get_model("fees", "FeeSchedule")
    for schedule in FeeSchedule.objects.filter(resolution=RESOLUTION, fees__isnull=True):
        schedule.delete()


class Migration(migrations.Migration):
    dependencies = [("fees", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
