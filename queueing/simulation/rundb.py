"""A database of its own for every run, so a simulation never touches live data.

PostgreSQL: the run's database is `CREATE DATABASE <prefix><run> TEMPLATE <prefix>tpl_<schema>`,
a copy of a template migrated once per schema version (the migrations' names and contents make
the key) — copying a template takes about a second where migrating takes tens. The prefix is
SIMULATION_DATABASE_PREFIX, by default `<live database name>_sim_`. SQLite: a copy of a migrated
template file in the temporary directory.

The run itself is a child process (`manage.py simulation_worker`) whose DATABASE_URL names the
run's database: its Django, its connections, its Celery (in-process) never see the live
database. It reports progress on stdout and writes its result to a JSON file; the parent drops
the run's database afterwards unless asked to keep it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
from django.conf import settings
from django.db import connections
from django.db.migrations.loader import MigrationLoader

from .params import Params

PROGRESS_MARK = "@progress "
ADVISORY_KEY = (0x434B, 0x5349)  # "CK", "SI": serialises template creation and copies
RUN_ENV = "CUAKHAU_SIMULATION_DATABASE"  # the worker refuses to run on any other database


class SimulationFailed(RuntimeError):
    pass


@dataclass(frozen=True)
class RunDatabase:
    name: str
    url: str
    vendor: str


def schema_key() -> str:
    """A short digest of every migration on disk (names and contents)."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    digest = hashlib.sha256()
    for key in sorted(loader.disk_migrations):
        module = sys.modules[loader.disk_migrations[key].__module__]
        digest.update("/".join(key).encode())
        digest.update(Path(module.__file__ or "").read_bytes())
    return digest.hexdigest()[:10]


def database_prefix() -> str:
    prefix = getattr(settings, "SIMULATION_DATABASE_PREFIX", "") or ""
    if not prefix:
        live = connections["default"].settings_dict["NAME"]
        prefix = f"{Path(str(live)).stem}_sim_"
    return re.sub(r"[^a-z0-9_]", "_", prefix.lower())


def new_run_id() -> str:
    return secrets.token_hex(4)


def _pg_url(settings_dict: dict[str, Any], name: str) -> str:
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(settings_dict.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or "5432"
    return f"postgres://{auth}{host}:{port}/{name}"


def _pg_admin() -> Any:
    s = connections["default"].settings_dict
    return psycopg.connect(
        dbname="postgres",
        user=s.get("USER") or None,
        password=s.get("PASSWORD") or None,
        host=s.get("HOST") or "127.0.0.1",
        port=s.get("PORT") or "5432",
        autocommit=True,
    )


def _child_env(url: str, name: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": url,
            RUN_ENV: name,
            "TASKS_MODE": "eager",  # the run's Celery tasks run in its own process, on its database
            "EMAIL_URL": "memorymail://",  # nobody real is told anything
            "SMS_GATEWAY_URL": "",
            "CONN_MAX_AGE": "600",
            "PYTHONUNBUFFERED": "1",
            "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "cuakhau.settings"),
        }
    )
    return env


def _manage(*args: str) -> list[str]:
    return [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), *args]


def _migrate(url: str, name: str) -> None:
    done = subprocess.run(
        _manage("migrate", "--noinput"),
        env=_child_env(url, name),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise SimulationFailed(
            f"migrating the template failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
        )


@contextmanager
def run_database(run_id: str, *, keep: bool = False) -> Iterator[RunDatabase]:
    """Create the run's database from the template (made first if missing); drop it after."""
    live = connections["default"]
    prefix = database_prefix()
    if live.vendor == "postgresql":
        template = f"{prefix}tpl_{schema_key()}"[:63]
        name = f"{prefix}{run_id}"[:63]
        s = live.settings_dict
        with _pg_admin() as admin:
            admin.execute("SELECT pg_advisory_lock(%s, %s)", ADVISORY_KEY)
            try:
                exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [template]).fetchone()
                if not exists:
                    admin.execute(f'CREATE DATABASE "{template}"')
                    try:
                        _migrate(_pg_url(s, template), template)
                    except Exception:
                        admin.execute(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')
                        raise
                admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
                # A run's database is thrown away: no need to wait for the disk at every commit.
                admin.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
            finally:
                admin.execute("SELECT pg_advisory_unlock(%s, %s)", ADVISORY_KEY)
        try:
            yield RunDatabase(name=name, url=_pg_url(s, name), vendor="postgresql")
        finally:
            if not keep:
                with _pg_admin() as admin:
                    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        return
    folder = Path(tempfile.gettempdir())
    template_file = folder / f"{prefix}tpl_{schema_key()}.sqlite3"
    if not template_file.exists():
        partial = template_file.with_suffix(f".{run_id}.part")
        _migrate(f"sqlite:///{partial}", str(partial))
        partial.replace(template_file)
    run_file = folder / f"{prefix}{run_id}.sqlite3"
    shutil.copyfile(template_file, run_file)
    try:
        yield RunDatabase(name=str(run_file), url=f"sqlite:///{run_file}", vendor="sqlite")
    finally:
        if not keep:
            run_file.unlink(missing_ok=True)


def run_isolated(
    params: Params,
    *,
    run_id: str | None = None,
    keep: bool = False,
    trucks_csv: Path | None = None,
    progress: Callable[[float, str], None] | None = None,
) -> dict[str, Any]:
    """Run one simulation in its own database and process; return its report (JSON-able)."""
    run_id = run_id or new_run_id()
    with run_database(run_id, keep=keep) as db, tempfile.TemporaryDirectory() as folder:
        result_file = Path(folder) / "result.json"
        command = _manage(
            "simulation_worker",
            "--params",
            json.dumps(params.as_dict()),
            "--result",
            str(result_file),
        )
        if trucks_csv is not None:
            command += ["--trucks-csv", str(trucks_csv)]
        tail: list[str] = []
        with subprocess.Popen(
            command,
            env=_child_env(db.url, db.name),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        ) as child:
            assert child.stdout is not None
            for line in child.stdout:
                if line.startswith(PROGRESS_MARK):
                    if progress is not None:
                        data = json.loads(line[len(PROGRESS_MARK) :])
                        progress(float(data["fraction"]), str(data["text"]))
                else:
                    tail = [*tail[-40:], line.rstrip()]
            code = child.wait()
        if code or not result_file.exists():
            raise SimulationFailed("the simulation failed:\n" + "\n".join(tail))
        report = json.loads(result_file.read_text(encoding="utf-8"))
        report["run_database"] = db.name if keep else ""
        return report


def drop_templates() -> list[str]:
    """Remove the kept template databases of this prefix (e.g. after changing migrations)."""
    live = connections["default"]
    prefix = database_prefix()
    if live.vendor != "postgresql":
        removed = []
        for path in Path(tempfile.gettempdir()).glob(f"{prefix}tpl_*.sqlite3"):
            path.unlink(missing_ok=True)
            removed.append(str(path))
        return removed
    with _pg_admin() as admin:
        names = [
            row[0]
            for row in admin.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE %s", [f"{prefix}tpl\\_%"]
            ).fetchall()
        ]
        for name in names:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return names
