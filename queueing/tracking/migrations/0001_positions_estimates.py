"""Positions (partitioned by day on PostgreSQL), arrival estimates, consents.

The position table is made by hand on PostgreSQL (Django cannot declare a partitioned table):
the model's state comes from CreateModel, the table from `create_position_table`. Elsewhere
(SQLite) the ordinary table is made from the same state.
"""

import datetime as dt

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def create_position_table(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        schema_editor.create_model(apps.get_model("tracking", "Position"))
        return
    from queueing.tracking import partitions

    schema_editor.execute(partitions.CREATE_SQL)
    today = dt.datetime.now(dt.UTC).date()
    for offset in range(-1, 4):
        day = today + dt.timedelta(days=offset)
        schema_editor.execute(
            f'CREATE TABLE "{partitions.child_name(day)}" PARTITION OF "{partitions.PARENT}" '
            f"FOR VALUES FROM ('{day.isoformat()} 00:00:00+00') "
            f"TO ('{(day + dt.timedelta(days=1)).isoformat()} 00:00:00+00')"
        )


def drop_position_table(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        schema_editor.delete_model(apps.get_model("tracking", "Position"))
        return
    from queueing.tracking import partitions

    schema_editor.execute(partitions.DROP_SQL)


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("queueing", "0003_seed_capacity_templates"),
        ("vehicles", "0004_gate_coordinates"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Position",
                    fields=[
                        ("id", models.BigAutoField(primary_key=True, serialize=False)),
                        ("time", models.DateTimeField(verbose_name="time of the fix")),
                        ("lat", models.FloatField(verbose_name="latitude")),
                        ("lon", models.FloatField(verbose_name="longitude")),
                        ("speed_kmh", models.FloatField(blank=True, null=True, verbose_name="speed (km/h)")),
                        ("accuracy_m", models.FloatField(blank=True, null=True, verbose_name="accuracy (m)")),
                        (
                            "source",
                            models.CharField(
                                choices=[("phone", "Driver's phone"), ("fleet", "Fleet-tracking system")],
                                max_length=5,
                                verbose_name="source",
                            ),
                        ),
                        ("received", models.DateTimeField(verbose_name="received")),
                        (
                            "booking",
                            models.ForeignKey(
                                db_constraint=False,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="positions",
                                to="queueing.booking",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "position",
                        "ordering": ["booking", "time"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("booking", "time"), name="position_one_fix_per_instant"
                            )
                        ],
                    },
                )
            ]
        ),
        migrations.RunPython(create_position_table, drop_position_table),
        migrations.CreateModel(
            name="TrackingConsent",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("agreed_at", models.DateTimeField(verbose_name="agreed at")),
                (
                    "booking",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="tracking_consents",
                        to="queueing.booking",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "tracking consent",
                "constraints": [
                    models.UniqueConstraint(fields=("user", "booking"), name="one_consent_per_user_and_trip")
                ],
            },
        ),
        migrations.CreateModel(
            name="TripEstimate",
            fields=[
                (
                    "booking",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="trip_estimate",
                        serialize=False,
                        to="queueing.booking",
                    ),
                ),
                ("last_fix_at", models.DateTimeField(verbose_name="last fix")),
                ("lat", models.FloatField(verbose_name="latitude")),
                ("lon", models.FloatField(verbose_name="longitude")),
                ("distance_km", models.FloatField(verbose_name="distance to the gate (km, straight)")),
                ("road_km", models.FloatField(verbose_name="distance by road (km, estimated)")),
                ("speed_kmh", models.FloatField(verbose_name="speed used (km/h)")),
                ("speed_basis", models.CharField(max_length=10)),
                ("eta", models.DateTimeField(verbose_name="expected arrival")),
                ("late", models.BooleanField(default=False, verbose_name="late")),
                ("track", models.JSONField(default=list)),
                ("updated", models.DateTimeField(verbose_name="updated")),
                ("flagged_at", models.DateTimeField(blank=True, null=True, verbose_name="warned")),
                (
                    "flagged_slot",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="queueing.slot",
                    ),
                ),
                (
                    "gate",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="trip_estimates",
                        to="vehicles.gate",
                    ),
                ),
            ],
            options={
                "verbose_name": "arrival estimate",
                "indexes": [models.Index(fields=["gate", "eta"], name="tripestimate_gate_eta_idx")],
            },
        ),
    ]
