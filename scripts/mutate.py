"""Mutation testing of the rule and service modules, one module at a time (`make mutate`).

Each module runs under mutmut in a work directory of its own, `.mutants/<name>/`, against only
the tests that cover it, on a throwaway SQLite database (no shared server, and the fastest).
mutmut keeps its results there, so a second run only re-tests what changed.

    .venv/bin/python scripts/mutate.py                 # every module
    .venv/bin/python scripts/mutate.py plates fees     # some of them
    .venv/bin/python scripts/mutate.py --report        # print the last results, run nothing
    .venv/bin/python scripts/mutate.py --again plates  # test the last survivors with today's tests

It ends with one line per module (killed, survived, score) and the names of the survivors;
`.venv/bin/mutmut show NAME`, run in `.mutants/<module>/`, prints a survivor's diff. The report is
also written to `.mutants/report.txt`. Equivalent survivors (mutants no test can kill because
the code means the same) are listed, with the reason, in docs/testing.md; they are not
subtracted from the score printed here.
"""

from __future__ import annotations

import argparse
import fnmatch
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / ".mutants"
MUTMUT = Path(sys.executable).with_name("mutmut")

# module name → (the file mutated, the tests that cover it: the narrowest selection that does)
MODULES: dict[str, tuple[str, list[str]]] = {
    "kiosk_rules": ("queueing/kiosk/rules.py", ["tests/kiosk/test_rules.py"]),
    "fee_rules": ("declarations/fees/rules.py", ["tests/fees/test_rules.py"]),
    "declaration_rules": ("declarations/rules.py", ["tests/declarations/test_rules.py"]),
    "queueing_rules": (
        "queueing/rules.py",
        ["tests/queueing/test_rules.py", "tests/queueing/test_yard_and_call_forward.py"],
    ),
    "plates": ("vehicles/plates.py", ["tests/vehicles/test_plates.py"]),
    "place_taking": (
        "queueing/services/_common.py",
        ["tests/queueing/test_booking_rules.py", "tests/queueing/test_capacity.py"],
    ),
    "bookings": (
        "queueing/services/bookings.py",
        [
            "tests/queueing/test_booking_rules.py",
            "tests/queueing/test_capacity.py",
            "tests/queueing/test_waitlist_and_sweeps.py",
            "tests/security/test_vehicle_day.py",
        ],
    ),
    "notification_claim": ("cuakhau/notifications/services.py", ["tests/notifications/test_outbox.py"]),
}

# Modules tested for some of their functions only (mutant name patterns); the others all.
ONLY: dict[str, list[str]] = {
    # Booking, cancelling and rebooking; the waitlist that shares the file is another service.
    "bookings": [
        f"queueing.services.bookings.x_{f}__mutmut_*"
        for f in (
            "_check_bookable",
            "_check_company_cap",
            "_check_vehicle_day",
            "_vehicle_day_holder",
            "_lock_company",
            "booking_create",
            "_locked_booking",
            "booking_cancel",
            "booking_rebook",
        )
    ],
    # The claim and what follows a send (outcome, backoff, sweep, retry); not the writing of rows
    # (notify, keys, channels), nor marking them read.
    "notification_claim": [
        f"cuakhau.notifications.services.x_{f}__mutmut_*"
        for f in (
            "backoff_seconds",
            "notification_send",
            "_failed_attempt",
            "resend_stale",
            "notification_retry",
        )
    ],
}
# Lines never mutated (regular expressions): log messages.
LEFT_OUT = [r"^\s*logger\."]


# What the project needs at run time besides the Python packages (copied, not mutated).
SOURCE_PACKAGES = ["cuakhau", "vehicles", "declarations", "queueing"]
ALSO_COPY = ["manage.py", "templates", "locale", "static"]
# Entries of the project that the work directory links to.
LINKED = [*SOURCE_PACKAGES, *ALSO_COPY, "tests", "pyproject.toml"]

PYTEST_ARGS = [
    "-p",
    "no:cacheprovider",
    "-p",
    "no:xdist",
    "-W",
    "ignore",
    "-p",
    "mutate_plugin",
    "--reuse-db",
]
STATUS_LINE = re.compile(r"^\s*(?P<name>\S+): (?P<status>.+)$")


# Each pytest session mutmut starts (one per mutant) would otherwise build the test database
# from the migrations again; a file database kept between sessions (`--reuse-db`) saves that.
# A pytest plugin names it once Django is set up (a settings module of its own cannot: importing
# `cuakhau` starts Celery, which reads the settings while that module is still being imported).
PLUGIN = """from django.conf import settings


def pytest_configure(config):
    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        database.setdefault("TEST", {{}})["NAME"] = {name!r}
"""


def _setup_cfg(path: str, tests: list[str]) -> str:
    def lines(items: list[str]) -> str:
        return "".join(f"\n    {item}" for item in items)

    return (
        "[mutmut]\n"
        f"source_paths ={lines(SOURCE_PACKAGES)}\n"
        f"only_mutate ={lines([path])}\n"
        f"also_copy ={lines([*ALSO_COPY, 'mutate_plugin.py'])}\n"
        f"pytest_add_cli_args_test_selection ={lines(tests)}\n"
        f"pytest_add_cli_args ={lines(PYTEST_ARGS)}\n" + f"do_not_mutate_patterns ={lines(LEFT_OUT)}\n"
    )


def _prepare(name: str, *, fresh: bool) -> Path:
    """The module's work directory: links to the project and a setup.cfg saying what to mutate."""
    path, tests = MODULES[name]
    work = WORK / name
    work.mkdir(parents=True, exist_ok=True)
    for entry in LINKED:
        link = work / entry
        if not link.is_symlink():
            link.symlink_to(ROOT / entry)
    config = _setup_cfg(path, tests)
    (work / "mutate_plugin.py").write_text(PLUGIN.format(name=str(work / "test.sqlite3")))
    for stale in work.glob("test.sqlite3*"):  # migrations may have changed since the last run
        stale.unlink()
    cfg = work / "setup.cfg"
    if fresh or not cfg.exists():
        # mutmut keeps a verdict once given, even when the tests changed since: start afresh
        # (`--again` keeps the verdicts and tests the survivors again).
        shutil.rmtree(work / "mutants", ignore_errors=True)
    cfg.write_text(config)
    return work


def _env(work: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        # SQLite unless MUTATE_DATABASE_URL names another database (PostgreSQL for the tests that
        # need two connections); pytest-django tests on its own copy ("test_" + name).
        DATABASE_URL=os.environ.get("MUTATE_DATABASE_URL") or f"sqlite:///{work / 'unused.sqlite3'}",
        TASKS_MODE="eager",
        DJANGO_SETTINGS_MODULE="cuakhau.settings",
        PYTHONDONTWRITEBYTECODE="1",
    )
    env.pop("REQUIRE_SERVICES", None)
    return env


def run(name: str, max_children: int, *, again: bool = False) -> None:
    """Test every mutant of the module afresh; with `again`, only the last run's survivors."""
    # Survivors, and mutants no test called when the tests were last read (a test added since may).
    survivors = (
        [m for m, s in (results(name) or {}).items() if s in ("survived", "no tests")] if again else []
    )
    if again and not survivors:
        print(f"== {name}: no survivors to test again", flush=True)
        return
    names = survivors if again else ONLY.get(name, [])
    work = _prepare(name, fresh=not again)
    print(f"== {name}: {MODULES[name][0]} against {' '.join(MODULES[name][1])}", flush=True)
    with open(work / "run.log", "w") as log:  # mutmut's progress line is redrawn, thousands of times
        done = subprocess.run(
            [str(MUTMUT), "run", "--max-children", str(max_children), *names],
            cwd=work,
            env=_env(work),
            stdout=log,
            stderr=subprocess.STDOUT,
            check=False,
        )
    if done.returncode:
        print(f"   mutmut failed ({done.returncode}); see {work / 'run.log'}", flush=True)


def results(name: str) -> dict[str, str] | None:
    """mutant name → status (killed, survived, timeout, no tests, ...) of the last run."""
    work = WORK / name
    if not (work / "mutants").exists():
        return None
    out = subprocess.run(
        [str(MUTMUT), "results", "--all", "true"],
        cwd=work,
        env=_env(work),
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    found = {}
    for line in out.splitlines():
        match = STATUS_LINE.match(line)
        if match and any(fnmatch.fnmatch(match["name"], p) for p in ONLY.get(name, ["*"])):
            found[match["name"]] = match["status"].strip()
    return found


def report(names: list[str]) -> str:
    lines = [f"{'module':<20} {'mutants':>7} {'killed':>7} {'survived':>8} {'other':>6} {'score':>6}"]
    survivors: list[str] = []
    for name in names:
        found = results(name)
        if found is None:
            lines.append(f"{name:<20} (not run)")
            continue
        killed = sum(1 for s in found.values() if s in ("killed", "timeout", "caught by type check"))
        survived = [m for m, s in found.items() if s == "survived"]
        other = len(found) - killed - len(survived)
        total = killed + len(survived)
        score = f"{100 * killed / total:.1f}%" if total else "-"
        lines.append(f"{name:<20} {len(found):>7} {killed:>7} {len(survived):>8} {other:>6} {score:>6}")
        survivors += [f"  {name}: {m}" for m in sorted(survived)]
        survivors += [
            f"  {name}: {m} ({s})" for m, s in sorted(found.items()) if s not in ("killed", "survived")
        ]
    text = "\n".join(lines)
    if survivors:
        text += "\n\nsurvivors and mutants without a verdict:\n" + "\n".join(survivors)
    return text + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("modules", nargs="*", metavar="MODULE", help=", ".join(MODULES))
    parser.add_argument("--report", action="store_true", help="print the last results, run nothing")
    parser.add_argument("--again", action="store_true", help="test only the last run's survivors again")
    parser.add_argument("--max-children", type=int, default=1, help="mutants tested at once (default 1)")
    args = parser.parse_args()
    names = args.modules or list(MODULES)
    unknown = [n for n in names if n not in MODULES]
    if unknown:
        parser.error(f"unknown module(s): {', '.join(unknown)}; choose among {', '.join(MODULES)}")
    if not args.report:
        for name in names:
            run(name, args.max_children, again=args.again)
    text = report(names)
    WORK.mkdir(exist_ok=True)
    (WORK / "report.txt").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
