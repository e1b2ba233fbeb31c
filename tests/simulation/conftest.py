from __future__ import annotations

import pytest
from django.db import connection


@pytest.fixture(autouse=True)
def _run_databases_named_after_the_live_one(settings):  # type: ignore[no-untyped-def]
    """Run databases are named after the live database without pytest's `test_` prefix
    (`<name>_tsim_<run>`), so they sort beside it and a stray one is easy to recognise."""
    live = str(connection.settings_dict["NAME"]).removeprefix("test_")
    settings.SIMULATION_DATABASE_PREFIX = f"{live}_tsim_"
