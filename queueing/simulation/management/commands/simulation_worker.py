"""`manage.py simulation_worker`: the inside of one simulation run (started by `simulate`).

Not for people: `rundb.run_isolated` starts it with DATABASE_URL naming the run's own database
and CUAKHAU_SIMULATION_DATABASE set to the same name; anything else is refused, so the engine can
never run on a live database.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection

from queueing.simulation.engine import Engine
from queueing.simulation.params import Params
from queueing.simulation.report import write_trucks
from queueing.simulation.rundb import PROGRESS_MARK, RUN_ENV


class Command(BaseCommand):
    help = "Internal: run one simulation in the run database named by the environment."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--params", required=True, help="the scenario's parameters as JSON")
        parser.add_argument("--result", required=True, help="where to write the report (JSON)")
        parser.add_argument("--trucks-csv", default="", help="where to write one row per truck")

    def handle(self, *args: Any, **options: Any) -> None:
        expected = os.environ.get(RUN_ENV, "")
        if not expected or str(connection.settings_dict["NAME"]) != expected:
            raise CommandError("refused: not started by `simulate` on a run database of its own")
        params = Params.from_dict(json.loads(options["params"]))
        # The worker is a process of its own on a throw-away database: Django's debug cursor
        # (formatting and keeping every SQL statement, ~0.15 ms of CPU each) has nothing to show.
        settings.DEBUG = False
        last = [-1.0]

        def progress(fraction: float, text: str) -> None:
            if fraction - last[0] >= 0.005 or fraction >= 1.0:
                last[0] = fraction
                self.stdout.write(PROGRESS_MARK + json.dumps({"fraction": round(fraction, 4), "text": text}))
                self.stdout.flush()

        report = Engine(params, progress=progress).run()
        trucks = report.pop("trucks_rows")
        if options["trucks_csv"]:
            write_trucks(Path(options["trucks_csv"]), trucks)
        Path(options["result"]).write_text(json.dumps(report, cls=DjangoJSONEncoder), encoding="utf-8")
