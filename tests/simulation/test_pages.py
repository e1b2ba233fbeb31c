"""The capacity planning pages: who may see them, starting a scenario, progress, comparison."""

from __future__ import annotations

import re

import pytest
from django.db import transaction

from cuakhau.accounts.roles import Role
from cuakhau.transitions.services import fire
from queueing.simulation import services
from queueing.simulation.models import Scenario, ScenarioState
from queueing.simulation.params import Params
from tests import factories

pytestmark = pytest.mark.django_db
HOURS = [f"2026-12-14T{h:02d}:00:00+07:00" for h in range(24)]


def _report(
    *, departed: int, occupancy: list[int], wait_p90: float, by_clearance: dict | None = None
) -> dict:
    """A report of the shape a run writes, with figures chosen by hand (`by_clearance` only in
    reports of runs that split the honest-wait check)."""
    zeros = [0] * 24
    return {
        "params": Params(gate="HUU_NGHI").as_dict(),
        "days": ["2026-12-14"],
        "hours": HOURS,
        "hourly": {
            "arrivals": zeros,
            "checked_in": zeros,
            "calls": zeros,
            "departures": zeros,
            "occupancy": occupancy,
            "occupancy_max": occupancy,
            "wait_p50": [None] * 23 + [10.0],
            "wait_p90": [None] * 23 + [wait_p90],
        },  # fmt: skip
        "summary": {
            "trucks": 100,
            "booked": 100,
            "unbooked": 0,
            "no_shows": 4,
            "arrived": 96,
            "refused_at_entry": 0,
            "checked_in": 96,
            "inspected": 5,
            "called": departed,
            "departed": departed,
            "in_yard_at_end": 96 - departed,
            "wait": {"n": departed, "p50": 10.0, "p90": wait_p90},
        },  # fmt: skip
        "largest_queue": {"trucks": max(occupancy), "at": "2026-12-14T15:00+07:00"},
        "review_lead": {
            a: {"n": 100, "p50": 20.0, "p90": 60.0} for a in ("customs", "border_guard", "quarantine")
        },
        "honest_wait": {
            "with_estimate": departed,
            "error_p50": -5.0,
            "error_p90": 12.0,
            "under_promised": 3,
            "no_estimate": 0,
            "beyond_today": 0,
            **({"by_clearance": by_clearance} if by_clearance else {}),
        },  # fmt: skip
    }


def _done(name: str, report: dict, **kwargs) -> Scenario:  # type: ignore[no-untyped-def]
    scenario = services.scenario_create(
        actor=None, name=name, params=Params(gate="HUU_NGHI"), run=False, **kwargs
    )
    with transaction.atomic():
        fire(scenario, "start")
        fire(scenario, "finish", results=report)
    return scenario


@pytest.fixture
def manager(db):  # type: ignore[no-untyped-def]
    return factories.staff_user(Role.GATE_MANAGER, gates=["HUU_NGHI"])


def test_an_operator_may_not_open_capacity_planning(client, owner):
    client.force_login(owner)
    assert client.get("/dashboard/simulations/").status_code == 403


def test_an_anonymous_visitor_is_sent_to_log_in(client, db):
    response = client.get("/dashboard/simulations/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_manager_starts_a_scenario_of_their_gate_and_it_waits_for_its_run(client, manager):
    client.force_login(manager)
    page = client.get("/dashboard/simulations/")
    assert page.status_code == 200
    choices = re.findall(r'<option value="([A-Z_]+)"', page.content.decode())
    assert choices == ["HUU_NGHI"]  # one gate managed: no other gate, no ALL

    response = client.post(
        "/dashboard/simulations/",
        {
            "name": "Partner takes 300", "gate": "HUU_NGHI", "days": 1, "trucks": "", "seed": 7,
            "partner_accepts": 300, "capacity_factor": 1.0, "no_show_rate": 0.04, "red_rate": 0.05,
            "inspection_minutes": 45, "minutes_customs": 20, "minutes_border_guard": 8,
            "minutes_quarantine": 180, "officers_customs": 4, "officers_border_guard": 3,
            "officers_quarantine": 3,
        },
    )  # fmt: skip

    scenario = Scenario.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/dashboard/simulations/{scenario.pk}/"
    assert scenario.state == ScenarioState.QUEUED and scenario.created_by == manager
    assert scenario.params["partner_accepts"] == 300
    assert scenario.params["review_minutes"] == {"customs": 20.0, "border_guard": 8.0, "quarantine": 180.0}


def test_a_manager_cannot_plan_for_a_gate_they_do_not_manage(client, manager):
    client.force_login(manager)
    client.post("/dashboard/simulations/", {"name": "x", "gate": "TAN_THANH", "days": 1, "seed": 7})
    assert not Scenario.objects.exists()


def test_the_progress_partial_shows_how_far_a_running_scenario_is(client, manager):
    scenario = services.scenario_create(actor=manager, name="run", params=Params(gate="HUU_NGHI"), run=False)
    with transaction.atomic():
        fire(scenario, "start")
    Scenario.objects.filter(pk=scenario.pk).update(progress=0.42, progress_text="2026-12-14 09:00")
    client.force_login(manager)

    partial = client.get(f"/dashboard/simulations/{scenario.pk}/progress/").content.decode()

    assert 'value="42"' in partial and "2026-12-14 09:00" in partial and "data-finished" not in partial
    page = client.get(f"/dashboard/simulations/{scenario.pk}/").content.decode()
    assert f'data-url="/dashboard/simulations/{scenario.pk}/progress/"' in page
    assert "js/simulation.js" in page


def test_a_scenario_is_shown_beside_its_baseline_with_charts_made_on_the_server(client, manager):
    baseline = _done("baseline", _report(departed=90, occupancy=[0] * 12 + [40] + [0] * 11, wait_p90=30.0))
    squeezed = _done(
        "partner 300",
        _report(
            departed=60,
            occupancy=[0] * 12 + [200] + [0] * 11,
            wait_p90=300.0,
            by_clearance={
                "cleared": {"error_p50": -4.0, "error_p90": 2.0, "under_promised": 1, "judged": 50},
                "pending": {"error_p50": 45.0, "error_p90": 95.0, "under_promised": 9, "judged": 10},
            },
        ),
        baseline=baseline,
    )
    client.force_login(manager)

    page = client.get(f"/dashboard/simulations/{squeezed.pk}/").content.decode()

    panels = re.findall(r'<section class="card sim-panel" data-scenario="(\d+)"', page)
    assert panels == [str(baseline.pk), str(squeezed.pk)]  # baseline left, scenario right
    assert page.count("<svg") == 4  # occupancy and waits, for each
    departed = re.findall(r'class="sim-departed">(\d+)<', page)
    assert departed == ["90", "60"]
    # The honest-wait check split by clearance at check-in, where the run's report has it (the
    # baseline's older report has not: nothing is shown for it).
    assert page.count("Already cleared at check-in") == 1
    assert "p50 -4, p90 2; waited longer than shown: 1 of 50" in page
    assert "p50 45, p90 95; waited longer than shown: 9 of 10" in page
    # Same scale on both sides: the bar of 200 reaches the top (the axis is 200); the bar of 40
    # is a fifth of it. The plot is 170 px high (200 − 22 − 8).
    heights = [float(h) for h in re.findall(r'<rect [^>]*height="([\d.]+)"', page) if float(h) > 0]
    assert heights == [34.0, 170.0]
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)  # no inline script
    assert "http://" not in page.split("<svg", 1)[1].replace('xmlns="http://www.w3.org/2000/svg"', "")


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_scenario_page_follows_the_run_and_shows_the_report_when_it_ends(chromium, live_server, client):
    manager = factories.staff_user(Role.GATE_MANAGER, gates=["HUU_NGHI"])
    scenario = services.scenario_create(actor=None, name="watched", params=Params(gate="HUU_NGHI"), run=False)
    with transaction.atomic():
        fire(scenario, "start")
    Scenario.objects.filter(pk=scenario.pk).update(progress=0.25, progress_text="2026-12-14 06:00")
    client.force_login(manager)
    context = chromium.new_context(locale="en-US")
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/dashboard/simulations/{scenario.pk}/")
    assert page.locator("#sim-progress progress").get_attribute("value") == "25"

    # The worker moves on: the page learns it by itself, then reloads with the report.
    Scenario.objects.filter(pk=scenario.pk).update(progress=0.5, progress_text="2026-12-14 12:00")
    page.wait_for_function("document.querySelector('#sim-progress progress').value === 50")
    with transaction.atomic():
        current = Scenario.objects.get(pk=scenario.pk)
        fire(current, "finish", results=_report(departed=77, occupancy=[3] * 24, wait_p90=30.0))
    page.wait_for_selector(".sim-panel .sim-departed")
    assert page.locator(".sim-panel .sim-departed").inner_text() == "77"
    assert page.locator(".sim-panel svg").count() == 2
    context.close()


def test_the_hourly_csv_has_a_row_per_simulated_hour(client, manager):
    scenario = _done("day", _report(departed=90, occupancy=list(range(24)), wait_p90=30.0))
    client.force_login(manager)

    response = client.get(f"/dashboard/simulations/{scenario.pk}/hourly.csv")

    lines = response.content.decode().strip().splitlines()
    assert response["Content-Type"].startswith("text/csv")
    assert lines[0].startswith("hour,arrivals,checked_in,occupancy")
    assert len(lines) == 25 and lines[24].split(",")[3] == "23"


def test_another_gates_manager_does_not_find_the_scenario(client, manager):
    scenario = _done("day", _report(departed=90, occupancy=[1] * 24, wait_p90=30.0))
    stranger = factories.staff_user(Role.GATE_MANAGER, gates=["CHI_MA"])
    client.force_login(stranger)
    assert client.get(f"/dashboard/simulations/{scenario.pk}/").status_code == 404
    assert client.get(f"/dashboard/simulations/{scenario.pk}/hourly.csv").status_code == 404
