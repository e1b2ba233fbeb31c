"""`manage.py create_device --gate HUU_NGHI --lane 1`: a device and its key, printed once (last line)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cuakhau.errors import DomainError
from vehicles.models import Direction, Gate

from ...services import device_create


class Command(BaseCommand):
    help = "Register a camera or scanner at a gate's lane and print its API key (shown only once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--gate", required=True, help="Gate code, e.g. HUU_NGHI")
        parser.add_argument("--lane", required=True, help="Lane name or number, e.g. 1")
        parser.add_argument("--name", default="", help="A label, e.g. 'ANPR camera, yard entry'")
        parser.add_argument("--direction", default="", choices=["", *Direction.values])

    def handle(self, *args: Any, **options: Any) -> None:
        gate = Gate.objects.filter(code=options["gate"].strip().upper()).first()
        if gate is None:
            codes = ", ".join(Gate.objects.values_list("code", flat=True))
            raise CommandError(f"No gate {options['gate']!r}. Known gates: {codes}")
        try:
            device, key = device_create(
                gate=gate, lane=options["lane"], name=options["name"], direction=options["direction"]
            )
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Device #{device.pk} at {gate.code}, lane {device.lane}.")
        self.stdout.write(
            "Its key is shown once, below; store it in the device (header 'Authorization: Api-Key <key>')."
        )
        self.stdout.write(key)
