"""What a scenario changes: the knobs of `manage.py simulate` and of the dashboard's form.

One frozen dataclass, parsed from the command line or a form, stored as JSON on the Scenario and
handed to the run's own process as JSON. Defaults describe an ordinary day (DOMAIN-FACTS.md).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from django.utils.translation import gettext as _

from cuakhau.errors import DomainError

GATES = ("HUU_NGHI", "TAN_THANH", "CHI_MA", "COC_NAM")
AGENCIES = ("customs", "border_guard", "quarantine")
ALL = "ALL"

# Mean minutes an officer spends deciding one review (think time; lognormal around it). Customs
# decides only yellow and red declarations (green is approved by rule).
DEFAULT_REVIEW_MINUTES = {"customs": 20.0, "border_guard": 4.0, "quarantine": 15.0}
# Officers on duty per agency at Hữu Nghị (06–22 h); smaller gates get a share by their traffic
# (at least 1). Sized so that a typical day keeps each agency about 65–75% busy: 870 border
# guard reviews × 4 min over 5 officers × 16 h; ~285 quarantine reviews × 15 min over 7.
DEFAULT_OFFICERS = {"customs": 4, "border_guard": 5, "quarantine": 7}


def parse_mapping(text: str, *, kind: type = float) -> dict[str, Any]:
    """ "customs=60,quarantine=180" → {"customs": 60.0, "quarantine": 180.0}; agencies only."""
    result: dict[str, Any] = {}
    for part in (p.strip() for p in (text or "").split(",")):
        if not part:
            continue
        key, sep, value = part.partition("=")
        key = key.strip().lower().replace("-", "_")
        if not sep or key not in AGENCIES:
            raise DomainError(
                _("Write agency=number pairs, e.g. customs=60,quarantine=180 (agencies: %(a)s).")
                % {"a": ", ".join(AGENCIES)},
                code="invalid",
            )
        try:
            number = kind(value)
        except ValueError:
            raise DomainError(_("%(v)s is not a number.") % {"v": value}, code="invalid")
        if number <= 0:
            raise DomainError(_("%(k)s must be more than zero.") % {"k": key}, code="invalid")
        result[key] = number
    return result


@dataclasses.dataclass(frozen=True)
class Params:
    gate: str = "HUU_NGHI"  # a gate code, or ALL for the four gates
    days: int = 1
    trucks: int | None = None  # per day (ALL: for the four gates together); None: a typical day
    seed: int = 7
    start: str | None = None  # first simulated day, YYYY-MM-DD; None: tomorrow
    partner_accepts: int | None = None  # trucks a day the partner side accepts; None: the usual
    capacity_factor: float = 1.0  # booking capacity and lane release × this
    review_minutes: dict[str, float] = dataclasses.field(default_factory=dict)
    officers: dict[str, int] = dataclasses.field(default_factory=dict)
    no_show_rate: float = 0.04
    red_rate: float = 0.05  # share of declarations the risk rule sends to physical inspection
    inspection_minutes: float = 45.0
    inspection_bays: int = 2
    fruit_peak: bool = False  # export season: more fresh fruit, more exports

    def __post_init__(self) -> None:
        problems = []
        if self.gate != ALL and self.gate not in GATES:
            problems.append(_("Unknown gate %(g)s.") % {"g": self.gate})
        if not 1 <= self.days <= 60:
            problems.append(_("Simulate 1 to 60 days."))
        if self.trucks is not None and not 1 <= self.trucks <= 20000:
            problems.append(_("Trucks per day: 1 to 20,000."))
        if self.partner_accepts is not None and self.partner_accepts < 0:
            problems.append(_("The partner side cannot accept fewer than 0 trucks."))
        if not 0.1 <= self.capacity_factor <= 10:
            problems.append(_("The capacity factor must lie between 0.1 and 10."))
        if not 0 <= self.no_show_rate <= 1 or not 0 <= self.red_rate <= 1:
            problems.append(_("Rates lie between 0 and 1."))
        if self.inspection_minutes <= 0 or self.inspection_bays < 1:
            problems.append(_("Inspection needs a positive duration and at least one bay."))
        if self.start is not None:
            try:
                dt.date.fromisoformat(self.start)
            except ValueError:
                problems.append(_("Enter the start day as YYYY-MM-DD."))
        if problems:
            raise DomainError(" ".join(problems), code="invalid")

    @property
    def gates(self) -> list[str]:
        return list(GATES) if self.gate == ALL else [self.gate]

    def minutes(self, agency: str) -> float:
        return float(self.review_minutes.get(agency, DEFAULT_REVIEW_MINUTES[agency]))

    def officer_count(self, agency: str) -> int:
        return int(self.officers.get(agency, DEFAULT_OFFICERS[agency]))

    def first_day(self, today: dt.date) -> dt.date:
        return dt.date.fromisoformat(self.start) if self.start else today + dt.timedelta(days=1)

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Params:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})

    def changes(self) -> dict[str, Any]:
        """The knobs that differ from the defaults (a scenario's short description)."""
        base = Params(gate=self.gate)
        return {k: v for k, v in self.as_dict().items() if v != getattr(base, k) and k != "gate"}
