"""The manager's scenario runs on a worker: take the id, run it, record it."""

from __future__ import annotations

from celery import shared_task

from cuakhau.errors import Conflict

from .models import Scenario
from .services import scenario_run


# A run takes minutes, not the 2 minutes every other task is held to.
@shared_task(acks_late=True, time_limit=3 * 3600, soft_time_limit=3 * 3600 - 60)
def run_scenario(scenario_id: int) -> str:
    scenario = Scenario.objects.filter(pk=scenario_id).first()
    if scenario is None:
        return "missing"
    try:
        scenario = scenario_run(scenario=scenario)
    except Conflict:
        return "already running or done"  # a redelivered task: the first delivery owns it
    except Exception:
        return "failed"  # recorded on the scenario with the reason
    return scenario.state
