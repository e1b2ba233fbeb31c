"""Weekly capacity templates of the four seeded gates, sized from DOMAIN-FACTS.md.

Hữu Nghị clears about 750 trucks a day (≈260 export, ≈610 import); Tân Thanh about 580 (the big
fresh-fruit export point); Chi Ma about 230; Cốc Nam about 76. Booking capacity sits a little
above those flows so that the partner side's acceptance, not the calendar, is the bottleneck.
Managers change these in the admin; this migration only fills an empty calendar.
"""

import datetime as dt

from django.db import migrations

TEMPLATES = {
    # gate: (opens, closes, {direction: trucks per hourly slot})
    "HUU_NGHI": (6, 22, {"export": 17, "import": 38, "empty": 6}),
    "TAN_THANH": (6, 22, {"export": 20, "import": 18, "empty": 5}),
    "CHI_MA": (7, 19, {"export": 8, "import": 10, "empty": 2}),
    "COC_NAM": (7, 17, {"export": 4, "import": 4}),
}


def seed(apps, schema_editor):
    Gate = apps.get_model("vehicles", "Gate")
    CapacityTemplate = apps.get_model("queueing", "CapacityTemplate")
    for code, (opens, closes, per_direction) in TEMPLATES.items():
        gate = Gate.objects.filter(code=code).first()
        if gate is None or CapacityTemplate.objects.filter(gate=gate).exists():
            continue
        for direction, capacity in per_direction.items():
            for weekday in range(7):
                CapacityTemplate.objects.create(
                    gate=gate,
                    direction=direction,
                    weekday=weekday,
                    opens=dt.time(opens),
                    closes=dt.time(closes),
                    slot_minutes=60,
                    capacity=capacity,
                )


def unseed(apps, schema_editor):
    apps.get_model("queueing", "CapacityTemplate").objects.filter(gate__code__in=list(TEMPLATES)).delete()


class Migration(migrations.Migration):
    dependencies = [("queueing", "0002_waitlist_partner_acceptance"), ("vehicles", "0002_seed_gates")]
    operations = [migrations.RunPython(seed, unseed)]
