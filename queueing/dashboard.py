"""The managers' dashboard: per gate and day, what moved and how long it took.

Reads only; the figures are computed from bookings, reviews and the transition log of the day.
It lives on the top floor because it reads every floor. Charts are inline SVG made here, so
the page renders offline (no CDN, no JavaScript library).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.dateparse import parse_date

from cuakhau.accounts.roles import Agency, Role, user_has_role
from cuakhau.hooks import TemplateHooks
from declarations.fees.selectors import collected_per_gate_and_day
from declarations.models import AgencyReview
from declarations.selectors import overdue_reviews
from vehicles.models import Gate
from vehicles.selectors import gates_for_user

from .models import Booking, BookingState, Slot
from .rules import gate_zone, local_day_bounds

# Sections a floor above adds to each gate's card (e.g. trucks en route): registered in its
# AppConfig.ready() with a template and a function (request, gate, day) -> context or None.
SectionContext = Callable[[HttpRequest, Gate, dt.date], "dict[str, Any] | None"]
_sections = TemplateHooks()


def register_dashboard_section(*, template: str, context: SectionContext, order: int = 100) -> None:
    _sections.register(template=template, context=context, order=order)


def sections_for(request: HttpRequest, gate: Gate, day: dt.date) -> list[dict[str, Any]]:
    return _sections.shown(request, gate, day)


def percentile(values: list[float], pct: float) -> float | None:
    """Nearest-rank percentile (p50 = median); None for no data."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * pct // 100))  # ceil(n * pct / 100)
    return ordered[int(rank) - 1]


def _minutes(delta: dt.timedelta) -> float:
    return delta.total_seconds() / 60


@dataclass
class GateDay:
    gate: Gate
    day: dt.date
    counts: dict[str, int] = field(default_factory=dict)
    yard_now: int = 0
    wait_p50: float | None = None
    wait_p90: float | None = None
    review_lead: list[dict[str, Any]] = field(default_factory=list)
    hourly: list[int] = field(default_factory=list)
    slot_utilisation: list[dict[str, Any]] = field(default_factory=list)
    capacity: int = 0
    booked: int = 0
    fees: dict[str, int] = field(default_factory=dict)


def gate_day(gate: Gate, day: dt.date) -> GateDay:
    """Every figure of the dashboard for one gate and one local day."""
    start, end = local_day_bounds(gate, day)
    result = GateDay(gate=gate, day=day)

    day_bookings = Booking.objects.filter(gate=gate, slot_start__gte=start, slot_start__lt=end)
    by_state = dict(day_bookings.values_list("state").annotate(n=Count("id")).order_by())
    result.counts = {
        "booked": sum(by_state.values()) - by_state.get(BookingState.CANCELLED, 0),
        "in_yard": by_state.get(BookingState.IN_YARD, 0) + by_state.get(BookingState.INSPECTION, 0),
        "called": by_state.get(BookingState.CALLED, 0),
        "departed": by_state.get(BookingState.DEPARTED, 0),
        "no_show": by_state.get(BookingState.NO_SHOW, 0),
        "cancelled": by_state.get(BookingState.CANCELLED, 0),
    }
    result.yard_now = Booking.objects.filter(
        gate=gate, state__in=[BookingState.IN_YARD, BookingState.INSPECTION]
    ).count()

    waits = [
        _minutes(called - checked)
        for checked, called in Booking.objects.filter(
            gate=gate, called_at__gte=start, called_at__lt=end, checked_in_at__isnull=False
        ).values_list("checked_in_at", "called_at")
    ]
    result.wait_p50, result.wait_p90 = percentile(waits, 50), percentile(waits, 90)

    for agency in Agency:
        leads = [
            _minutes(decided - ready)
            for ready, decided in AgencyReview.objects.filter(
                declaration__gate=gate,
                agency=agency,
                decided_at__gte=start,
                decided_at__lt=end,
                ready_at__isnull=False,
            ).values_list("ready_at", "decided_at")
        ]
        overdue = overdue_reviews().filter(declaration__gate=gate, agency=agency).count()
        result.review_lead.append(
            {
                "agency": agency.label,
                "decided": len(leads),
                "p50": percentile(leads, 50),
                "p90": percentile(leads, 90),
                "overdue": overdue,
            }
        )

    hourly = [0] * 24
    zone = gate_zone(gate)
    for departed in Booking.objects.filter(
        gate=gate, departed_at__gte=start, departed_at__lt=end
    ).values_list("departed_at", flat=True):
        hourly[departed.astimezone(zone).hour] += 1
    result.hourly = hourly

    slots = Slot.objects.filter(gate=gate, start__gte=start, start__lt=end).order_by("start", "direction")
    totals = slots.aggregate(capacity=Sum("capacity", filter=Q(is_closed=False)), booked=Sum("booked"))
    result.capacity, result.booked = totals["capacity"] or 0, totals["booked"] or 0
    result.slot_utilisation = [
        {
            "start": timezone.localtime(s.start, zone),
            "direction": s.get_direction_display(),
            "capacity": s.capacity,
            "booked": s.booked,
            "pct": round(100 * s.booked / s.capacity) if s.capacity else 0,
            "closed": s.is_closed,
        }
        for s in slots
    ]
    day_fees = collected_per_gate_and_day(gates=[gate], date_from=day, date_to=day)
    result.fees = {
        "payments": sum(r["payments"] for r in day_fees),
        "collected": sum(r["collected"] for r in day_fees),
        "refunded": sum(r["refunded"] for r in day_fees),
        "net": sum(r["net"] for r in day_fees),
    }
    return result


def hourly_svg(values: list[int], width: int = 720, height: int = 180) -> str:
    """A bar chart of 24 hourly values as inline SVG (no external library)."""
    top = max(values) if values and max(values) > 0 else 1
    bar = width / 24
    parts = [
        f'<svg viewBox="0 0 {width} {height + 20}" role="img" class="chart" '
        f'aria-label="hourly throughput" xmlns="http://www.w3.org/2000/svg">'
    ]
    for hour, value in enumerate(values):
        h = 0 if value == 0 else max(2, round(height * value / top))
        x = hour * bar + 2
        parts.append(
            f'<rect x="{x:.1f}" y="{height - h}" width="{bar - 4:.1f}" height="{h}" fill="#0b4f8a">'
            f"<title>{hour:02d}:00 — {value}</title></rect>"
        )
        if hour % 3 == 0:
            parts.append(
                f'<text x="{x:.1f}" y="{height + 14}" font-size="11" fill="#5d6b78">{hour:02d}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


@login_required
def dashboard(request: HttpRequest, code: str | None = None) -> HttpResponse:
    """GET /dashboard/ (every gate of the manager) or /dashboard/<code>/?date=YYYY-MM-DD."""
    user = request.user
    if not (user.is_superuser or user_has_role(user, Role.GATE_MANAGER)):
        raise PermissionDenied
    gates = list(gates_for_user(user).filter(is_active=True).order_by("code"))
    day = parse_date(request.GET.get("date") or "") or timezone.localdate()
    if code:
        gate = get_object_or_404(Gate, code=code, id__in=[g.id for g in gates])
        selected = [gate]
    else:
        selected = gates
    figures = [gate_day(g, day) for g in selected]
    for f in figures:  # the page's own additions to each gate's figures
        f.chart = hourly_svg(f.hourly)  # type: ignore[attr-defined]
        f.sections = sections_for(request, f.gate, day)  # type: ignore[attr-defined]
    return render(
        request,
        "dashboard/index.html",
        {"figures": figures, "gates": gates, "day": day, "code": code},
    )
