"""The four Lạng Sơn road gates with China (DOMAIN-FACTS.md)."""

from django.db import migrations

GATES = [
    # code, name, kind, directions, lane release per tick, company cap
    ("HUU_NGHI", "Cửa khẩu quốc tế Hữu Nghị", "international", ["export", "import", "empty"], 8, 30),
    ("TAN_THANH", "Cửa khẩu chính Tân Thanh", "main", ["export", "import", "empty"], 8, 30),
    ("CHI_MA", "Cửa khẩu chính Chi Ma", "main", ["export", "import", "empty"], 4, 20),
    ("COC_NAM", "Cửa khẩu phụ Cốc Nam", "secondary", ["export", "import"], 2, 10),
]


def seed(apps, schema_editor):
    Gate = apps.get_model("vehicles", "Gate")
    for code, name, kind, directions, per_tick, cap in GATES:
        Gate.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "kind": kind,
                "directions": directions,
                "lane_release_per_tick": per_tick,
                "company_daily_booking_cap": cap,
                "bank_bin": "970436",
                "bank_account": "0011001234567",
                "bank_account_name": "BQL CUA KHAU LANG SON",
            },
        )


def unseed(apps, schema_editor):
    apps.get_model("vehicles", "Gate").objects.filter(code__in=[g[0] for g in GATES]).delete()


class Migration(migrations.Migration):
    dependencies = [("vehicles", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
