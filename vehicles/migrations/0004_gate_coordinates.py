"""Where each seeded gate is, for the arrival estimates of trucks en route (WGS 84, ~100 m)."""

from decimal import Decimal

from django.db import migrations, models

# code: (latitude N, longitude E) of the gate's entry point on the Vietnamese side.
COORDINATES = {
    "HUU_NGHI": (Decimal("21.97000"), Decimal("106.70500")),
    "TAN_THANH": (Decimal("21.79700"), Decimal("106.60300")),
    "COC_NAM": (Decimal("21.86300"), Decimal("106.62400")),
    "CHI_MA": (Decimal("21.86500"), Decimal("107.16500")),
}


def fill(apps, schema_editor):
    Gate = apps.get_model("vehicles", "Gate")
    for code, (lat, lon) in COORDINATES.items():
        Gate.objects.filter(code=code, latitude__isnull=True).update(latitude=lat, longitude=lon)


class Migration(migrations.Migration):
    dependencies = [("vehicles", "0003_gate_names_in_other_languages")]

    operations = [
        migrations.AddField(
            model_name="gate",
            name="latitude",
            field=models.DecimalField(
                blank=True, decimal_places=5, max_digits=8, null=True, verbose_name="latitude"
            ),
        ),
        migrations.AddField(
            model_name="gate",
            name="longitude",
            field=models.DecimalField(
                blank=True, decimal_places=5, max_digits=8, null=True, verbose_name="longitude"
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
