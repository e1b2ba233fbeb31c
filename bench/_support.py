"""What every benchmark needs: a fresh PostgreSQL database and Django set up on it.

Each run drops and re-creates its database, so a run never trips over the rows of the last one
and the figures of two runs compare.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def recreate_database(url: str) -> None:
    """Drop (ending its sessions) and create the database named in `url` (PostgreSQL only)."""
    parsed = urlparse(url)
    if not parsed.scheme.startswith("postgres"):
        return
    import psycopg

    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        )
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(url: str, *, tasks_mode: str = "eager") -> None:
    """Point Django at `url`, set it up and migrate; tasks run in-process unless told otherwise."""
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cuakhau.settings")
    os.environ["TASKS_MODE"] = tasks_mode
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    if tasks_mode == "eager":
        from cuakhau.celery import app

        app.conf.task_always_eager = True
