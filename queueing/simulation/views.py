"""Capacity planning pages under /dashboard/simulations/: start, watch, read, compare.

Thin: the form builds Params, `services.scenario_create` keeps and queues the run, the pages
read the kept report. Progress is a server-rendered partial that static/js/simulation.js
polls (no inline script); charts are inline SVG from charts.py (no network).
"""

from __future__ import annotations

import csv
from typing import Any, cast

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from cuakhau.accounts.roles import Agency, Role, user_has_role
from cuakhau.errors import DomainError, NotFound

from . import services
from .charts import charts_for
from .forms import ScenarioForm
from .models import Scenario, ScenarioState
from .params import Params
from .report import HOURLY_FIELDS, hourly_rows
from .selectors import planning_gates, scenario_for_user, scenarios_for_user


def _require_manager(request: HttpRequest) -> None:
    user = request.user
    if not (user.is_superuser or user_has_role(user, Role.GATE_MANAGER)):
        raise PermissionDenied


def _scenario(request: HttpRequest, pk: Any) -> Scenario:
    try:
        return scenario_for_user(request.user, pk)
    except NotFound:
        raise Http404


@login_required
def scenario_list(request: HttpRequest) -> HttpResponse:
    """GET: kept scenarios and the form; POST: keep a new scenario and start its run."""
    _require_manager(request)
    scenarios = scenarios_for_user(request.user)
    form = ScenarioForm(
        request.POST or None,
        gates=planning_gates(request.user),
        scenarios=scenarios,
        initial={"name": _("Scenario"), "seed": 7},
    )
    if request.method == "POST" and form.is_valid():
        try:
            scenario = services.scenario_create(
                actor=request.user,
                name=form.cleaned_data["name"],
                params=form.cleaned_data["params"],
                baseline=form.cleaned_data.get("baseline"),
            )
        except DomainError as exc:
            form.add_error(None, str(exc.detail))
        else:
            return redirect("simulation-detail", pk=scenario.pk)
    return render(request, "simulation/list.html", {"form": form, "scenarios": scenarios[:50]})


def _titles() -> dict[str, str]:
    return {
        "occupancy": _("Trucks in the yard by hour (bar: at the hour's end; line: the hour's peak)"),
        "waits": _("Wait check-in → call by hour of check-in, minutes (solid p50, dashed p90)"),
    }


@login_required
def scenario_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The scenario's report, beside its baseline (its own, or ?compare=<id>) on the same scales."""
    _require_manager(request)
    scenario = _scenario(request, pk)
    compare_id = request.GET.get("compare") or (scenario.baseline_id and str(scenario.baseline_id))
    baseline = None
    if compare_id and str(compare_id) != str(scenario.pk):
        baseline = (
            scenarios_for_user(request.user).filter(pk=compare_id if str(compare_id).isdigit() else 0).first()
        )
    runs = [s for s in (baseline, scenario) if s is not None and s.state == ScenarioState.DONE and s.results]
    reports: list[dict[str, Any]] = [cast(dict[str, Any], s.results) for s in runs]  # DONE: results kept
    charts = charts_for(reports, _titles())
    panels = [
        {
            "scenario": s,
            "report": report,
            "charts": c,
            "changes": Params.from_dict(s.params).changes(),
            "leads": [(Agency(a).label, figures) for a, figures in report["review_lead"].items()],
        }
        for s, report, c in zip(runs, reports, charts, strict=True)
    ]
    others = (
        scenarios_for_user(request.user)
        .filter(gate=scenario.gate, state=ScenarioState.DONE)
        .exclude(pk=scenario.pk)
    )
    return render(
        request,
        "simulation/detail.html",
        {"scenario": scenario, "baseline": baseline, "panels": panels, "others": others[:30]},
    )


@login_required
def scenario_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress partial the page polls while the run goes on."""
    _require_manager(request)
    return render(request, "simulation/_progress.html", {"scenario": _scenario(request, pk)})


@login_required
def scenario_hourly_csv(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manager(request)
    scenario = _scenario(request, pk)
    if not scenario.results:
        raise Http404
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="scenario-{scenario.pk}-hourly.csv"'
    writer = csv.DictWriter(response, fieldnames=HOURLY_FIELDS)
    writer.writeheader()
    writer.writerows(hourly_rows(scenario.results))
    return response
