"""Reference data seeded by data migrations stays present after every migrate and flush.

Role groups, gates, capacity templates, the fee schedule and the default risk rule are seeded by
data migrations whose `seed(apps, schema_editor)` functions are idempotent (they create only
what is missing). A `transaction=True` test ends with a flush that empties every table, and
Django sends post_migrate after that flush: connecting the same seed functions there puts the
reference data back, so every test starts from what a fresh database has.
"""

from __future__ import annotations

import importlib
from typing import Any

from django.apps import AppConfig
from django.apps import apps as global_apps
from django.db.models.signals import post_migrate


def reseed_on_post_migrate(app_config: AppConfig, migration: str) -> None:
    """Run `<app>.migrations.<migration>.seed` after every migrate/flush of `app_config`."""
    module = importlib.import_module(f"{app_config.name}.migrations.{migration}")

    def _reseed(sender: Any = None, *, using: str = "default", apps: Any = None, **kwargs: Any) -> None:
        module.seed(apps or global_apps, None)

    post_migrate.connect(
        _reseed, sender=app_config, weak=False, dispatch_uid=f"reseed.{app_config.label}.{migration}"
    )
