"""The four Lạng Sơn gates are reference data, like the role groups: present after every migrate.

The data migration seeds them once; this post_migrate receiver puts back any that are missing
(never changing one a manager edited). It matters most in tests: a `transaction=True` test
ends with a flush that empties every table, and Django sends post_migrate after that flush, so
the next test finds the gates again.
"""

from __future__ import annotations

import importlib
from typing import Any

from django.apps import apps as global_apps


def ensure_seeded_gates(
    sender: Any = None, *, using: str = "default", apps: Any = None, **kwargs: Any
) -> int:
    """Create the seeded gates that do not exist; return how many were created."""
    migration = importlib.import_module("vehicles.migrations.0002_seed_gates")
    names = importlib.import_module("vehicles.migrations.0003_gate_names_in_other_languages").NAMES
    coordinates = importlib.import_module("vehicles.migrations.0004_gate_coordinates").COORDINATES
    gate_model = (apps or global_apps).get_model("vehicles", "Gate")
    present = set(gate_model.objects.using(using).values_list("code", flat=True))
    created = 0
    for code, name, kind, directions, per_tick, cap in migration.GATES:
        if code in present:
            continue
        gate_model.objects.using(using).create(
            code=code,
            name=name,
            name_en=names.get(code, ("", ""))[0],
            name_zh_hans=names.get(code, ("", ""))[1],
            kind=kind,
            directions=directions,
            lane_release_per_tick=per_tick,
            company_daily_booking_cap=cap,
            bank_bin="970436",
            bank_account="0011001234567",
            bank_account_name="BQL CUA KHAU LANG SON",
            latitude=coordinates[code][0],
            longitude=coordinates[code][1],
        )
        created += 1
    return created
