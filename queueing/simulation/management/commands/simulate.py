"""`manage.py simulate`: play a day (or a week) at a gate through the real workflow.

    python manage.py simulate --gate HUU_NGHI --days 1 --trucks 870 --seed 7 \
        [--partner-accepts 300] [--capacity-factor 1.2] \
        [--review-minutes customs=60,quarantine=180] [--compare] [--out DIR] [--keep]

Every truck goes through the real services on a simulated clock, in a database made for the run
(dropped afterwards unless --keep). The report is printed per hour and kept as a Scenario in the
live database (unless --no-save); --out writes hourly.csv, summary.csv and trucks.csv.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any, TextIO, cast

from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from cuakhau.errors import DomainError
from queueing.simulation import services
from queueing.simulation.models import Scenario
from queueing.simulation.params import ALL, GATES, Params, parse_mapping
from queueing.simulation.report import write_csv
from queueing.simulation.runs import run_plan


class Command(BaseCommand):
    help = "Simulate days at a gate through the real workflow, in a database of its own."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--gate", default="HUU_NGHI", choices=[*GATES, ALL])
        parser.add_argument("--days", type=int, default=1)
        parser.add_argument("--trucks", type=int, default=None, help="trucks a day (default: a typical day)")
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--start", default=None, help="first simulated day YYYY-MM-DD (default tomorrow)")
        parser.add_argument(
            "--partner-accepts", type=int, default=None, help="trucks a day the partner side accepts"
        )
        parser.add_argument(
            "--capacity-factor", type=float, default=1.0, help="booking capacity and lane release ×"
        )
        parser.add_argument(
            "--review-minutes", default="", help="mean think time, e.g. customs=60,quarantine=180"
        )
        parser.add_argument("--officers", default="", help="officers per agency, e.g. customs=6,quarantine=2")
        parser.add_argument("--no-show-rate", type=float, default=0.04)
        parser.add_argument("--red-rate", type=float, default=0.05, help="random red-channel sample rate")
        parser.add_argument("--inspection-minutes", type=float, default=45.0)
        parser.add_argument("--inspection-bays", type=int, default=2)
        parser.add_argument("--fruit-peak", action="store_true", help="export season: more fresh fruit")
        parser.add_argument(
            "--compare", action="store_true", help="also run the baseline (same seed, defaults)"
        )
        parser.add_argument("--out", default="", help="folder for hourly.csv, summary.csv, trucks.csv")
        parser.add_argument("--json", default="", help="write the whole report as JSON to this file")
        parser.add_argument(
            "--keep", action="store_true", help="keep the run's database (its name is printed)"
        )
        parser.add_argument(
            "--jobs", type=int, default=1, help="with --gate ALL: gates run at once (each its own process)"
        )
        parser.add_argument("--name", default="", help="name of the kept scenario")
        parser.add_argument(
            "--no-save", action="store_true", help="keep no Scenario row in the live database"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            params = Params(
                gate=options["gate"],
                days=options["days"],
                trucks=options["trucks"],
                seed=options["seed"],
                start=options["start"],
                partner_accepts=options["partner_accepts"],
                capacity_factor=options["capacity_factor"],
                review_minutes=parse_mapping(options["review_minutes"]),
                officers=parse_mapping(options["officers"], kind=int),
                no_show_rate=options["no_show_rate"],
                red_rate=options["red_rate"],
                inspection_minutes=options["inspection_minutes"],
                inspection_bays=options["inspection_bays"],
                fruit_peak=options["fruit_peak"],
            )
        except DomainError as exc:
            raise CommandError(str(exc.detail))
        out = Path(options["out"]) if options["out"] else None
        console = Console(file=cast(TextIO, self.stdout), width=120)  # OutputWrapper writes text
        runs: list[tuple[str, dict[str, Any]]] = []
        self.kept: Scenario | None = None
        if options["compare"]:
            base = Params(
                gate=params.gate, days=params.days, trucks=params.trucks, seed=params.seed, start=params.start
            )
            runs.append(("baseline", self._run(base, options, console, "baseline", None)))
        runs.append(("scenario", self._run(params, options, console, options["name"] or "scenario", out)))
        for label, report in runs:
            self._print(console, label, report)
        if len(runs) == 2:
            self._compare(console, runs[0][1], runs[1][1])
        if out:
            paths = write_csv(runs[-1][1], out)
            console.print("CSV: " + ", ".join(str(p) for p in [*paths, out / "trucks.csv"]))
        if options["json"]:
            Path(options["json"]).write_text(json.dumps(runs[-1][1], cls=DjangoJSONEncoder), encoding="utf-8")

    def _run(
        self, params: Params, options: dict[str, Any], console: Console, name: str, out: Path | None
    ) -> dict[str, Any]:
        columns = [TextColumn("[bold]{task.description}"), BarColumn(), TextColumn("{task.percentage:>5.1f}%"),
                   TextColumn("{task.fields[clock]}"), TimeElapsedColumn()]  # fmt: skip
        with Progress(*columns, console=console, transient=False) as bar:
            task = bar.add_task(name, total=1.0, clock="")

            def progress(fraction: float, text: str) -> None:
                bar.update(task, completed=fraction, clock=text)

            if options["no_save"]:
                report = run_plan(
                    params, jobs=options["jobs"], keep=options["keep"], out=out, progress=progress
                )
            else:
                scenario = services.scenario_create(
                    actor=None, name=name, params=params, baseline=self.kept, run=False
                )
                self.kept = scenario
                scenario = services.scenario_run(
                    scenario=scenario, keep=options["keep"], out=out, jobs=options["jobs"], progress=progress
                )
                report = cast(dict[str, Any], scenario.results)  # a run that returns has its results
                console.print(
                    f"kept as scenario #{scenario.pk} (dashboard: /dashboard/simulations/{scenario.pk}/)"
                )
        if options["keep"] and report.get("run_database"):
            console.print(f"run database kept: {report['run_database']}")
        return report

    def _print(self, console: Console, label: str, report: dict[str, Any]) -> None:
        s = report["summary"]
        p = report["params"]
        console.rule(f"{label}: {p['gate']} {', '.join(report['days'])} seed {p['seed']}")
        table = Table(
            "hour",
            "arrivals",
            "in yard (end)",
            "in yard (max)",
            "calls",
            "departures",
            "wait p50",
            "wait p90",
        )
        hourly = report["hourly"]
        for i, hour in enumerate(report["hours"]):
            if not any(hourly[k][i] for k in ("arrivals", "occupancy", "calls", "departures")):
                continue
            table.add_row(
                dt.datetime.fromisoformat(hour).strftime("%m-%d %H:00"),
                *(
                    str(hourly[k][i])
                    for k in ("arrivals", "occupancy", "occupancy_max", "calls", "departures")
                ),
                *(_num(hourly[k][i]) for k in ("wait_p50", "wait_p90")),
            )
        console.print(table)
        lines = [
            f"trucks {s['trucks']}  booked {s['booked']}  unbooked {s['unbooked']}  no-shows {s['no_shows']}  "
            f"arrived {s['arrived']}  refused {s['refused_at_entry']}  checked in {s['checked_in']}  "
            f"inspected {s['inspected']}  called {s['called']}  departed {s['departed']}  "
            f"still in the yard {s['in_yard_at_end']}",
            f"wait check-in → call, or so far for trucks still waiting (min): p50 {_num(s['wait']['p50'])}  p90 {_num(s['wait']['p90'])}",
            f"largest queue: {report['largest_queue']['trucks']} trucks at {report['largest_queue']['at']}",
            "review lead (min): "
            + "  ".join(
                f"{a} p50 {_num(v['p50'])} p90 {_num(v['p90'])} (n={v['n']})"
                for a, v in report["review_lead"].items()
            ),
        ]
        h = report["honest_wait"]
        lines.append(
            f"honest wait: estimate error (real − shown, min) p50 {_num(h['error_p50'])} p90 {_num(h['error_p90'])}, "
            f"under-promised {h['under_promised']} ({_pct(h['under_promised_share'])}), "
            f"no estimate {h['no_estimate']}, 'not today' {h['beyond_today']}"
        )
        for line in lines:
            console.print(line)

    def _compare(self, console: Console, base: dict[str, Any], scenario: dict[str, Any]) -> None:
        table = Table("figure", "baseline", "scenario")
        for label, key in (
            ("departed", "departed"),
            ("still in the yard", "in_yard_at_end"),
            ("no-shows", "no_shows"),
        ):
            table.add_row(label, str(base["summary"][key]), str(scenario["summary"][key]))
        table.add_row(
            "largest queue", str(base["largest_queue"]["trucks"]), str(scenario["largest_queue"]["trucks"])
        )
        table.add_row(
            "wait p50", _num(base["summary"]["wait"]["p50"]), _num(scenario["summary"]["wait"]["p50"])
        )
        table.add_row(
            "wait p90", _num(base["summary"]["wait"]["p90"]), _num(scenario["summary"]["wait"]["p90"])
        )
        console.print(table)


def _num(value: Any) -> str:
    return "-" if value is None else f"{value:.0f}"


def _pct(value: Any) -> str:
    return "-" if value is None else f"{value:.0%}"
