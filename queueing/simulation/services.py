"""Writes of capacity planning: create a scenario, run it (in a database of its own), record it."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from cuakhau.accounts.roles import Role, user_has_role
from cuakhau.errors import Conflict, NotAllowed
from cuakhau.transitions.services import fire, log_created
from vehicles.selectors import gates_for_user

from .models import Scenario, ScenarioState
from .params import ALL, GATES, Params
from .runs import run_plan


def may_plan(user: Any, gate: str) -> bool:
    """Managers plan for their own gates (all four for ALL); superusers for every gate."""
    if getattr(user, "is_superuser", False):
        return True
    if not user_has_role(user, Role.GATE_MANAGER):
        return False
    codes = set(gates_for_user(user).values_list("code", flat=True))
    return set(GATES) <= codes if gate == ALL else gate in codes


def scenario_create(
    *, actor: Any, name: str, params: Params, baseline: Scenario | None = None, run: bool = True
) -> Scenario:
    """Keep a new scenario and (by default) queue its run on Celery after commit."""
    if actor is not None and not may_plan(actor, params.gate):
        raise NotAllowed(_("You may plan only for the gates you manage."))
    if baseline is not None and baseline.gate != params.gate:
        raise Conflict(_("Compare a scenario with one of the same gate."), code="baseline_other_gate")
    with transaction.atomic():
        scenario = Scenario.objects.create(
            name=(name or "").strip()[:120] or _("Scenario"),
            gate=params.gate,
            params=params.as_dict(),
            baseline=baseline,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        log_created(scenario, actor=actor)
        if run:
            # Deferred: tasks.py wraps scenario_run, and this service queues that task (the
            # cycle of every Celery task a service queues).
            from .tasks import run_scenario  # noqa: PLC0415

            run_scenario.delay_on_commit(scenario.pk)
    return scenario


def scenario_run(
    *,
    scenario: Scenario,
    keep: bool = False,
    out: Path | None = None,
    jobs: int = 1,
    progress: Callable[[float, str], None] | None = None,
) -> Scenario:
    """Run a queued scenario in a database of its own and record the outcome.

    1. queued → running (a second delivery of the task finds it running and stops: 409).
    2. Run; progress is written to the row at most every second (the page polls it).
    3. running → done with the report, or → failed with the reason. The live database gets
       nothing else.
    """
    with transaction.atomic():
        scenario = Scenario.objects.select_for_update().get(pk=scenario.pk)
        fire(scenario, "start", actor_label="simulation")
    last = [0.0]

    def report_progress(fraction: float, text: str) -> None:
        if progress is not None:
            progress(fraction, text)
        now = time.monotonic()
        if now - last[0] >= 1.0 or fraction >= 1.0:
            last[0] = now
            Scenario.objects.filter(pk=scenario.pk, state=ScenarioState.RUNNING).update(
                progress=fraction, progress_text=text[:80]
            )

    params = Params.from_dict(scenario.params)
    try:
        report = run_plan(
            params,
            jobs=jobs,
            run_id=f"{scenario.pk}_{int(time.time())}",
            keep=keep,
            out=out,
            progress=report_progress,
        )
    except Exception as exc:
        with transaction.atomic():
            scenario = Scenario.objects.select_for_update().get(pk=scenario.pk)
            fire(scenario, "fail", actor_label="simulation", error=str(exc)[-4000:])
        raise
    with transaction.atomic():
        scenario = Scenario.objects.select_for_update().get(pk=scenario.pk)
        fire(scenario, "finish", actor_label="simulation", results=report)
    return scenario
