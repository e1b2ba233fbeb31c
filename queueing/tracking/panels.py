"""What trucks en route add to pages of lower floors: the manager's dashboard (per gate) and the
portal home. Registered in TrackingConfig.ready(). The chart is inline SVG made here: it renders
offline, with no JavaScript."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from vehicles.models import Gate

from . import selectors
from .models import TripEstimate

CHART_ROWS = 30


def dashboard_section(request: HttpRequest, gate: Gate, day: dt.date) -> dict[str, Any] | None:
    """Trucks heading to the gate now, nearest first, late ones marked (staff of the gate only)."""
    if day != timezone.localdate() or not selectors.may_see_gate(request.user, gate):
        return None
    trucks = list(selectors.en_route(gate))
    return {
        "trucks": trucks,
        "late": [t for t in trucks if t.late],
        "chart": distance_svg(trucks[:CHART_ROWS]) if trucks else "",
    }


def distance_svg(trucks: list[TripEstimate], width: int = 720, row: int = 22) -> SafeString:
    """Horizontal bars: road distance to the gate per truck, late ones in red (inline SVG)."""
    label_w = 130
    top = max((t.road_km for t in trucks), default=1.0) or 1.0
    height = row * len(trucks) + 4
    parts = [
        f'<svg viewBox="0 0 {width} {height}" role="img" class="chart distance-chart" '
        f'aria-label="distance to the gate" xmlns="http://www.w3.org/2000/svg">'
    ]
    for i, t in enumerate(trucks):
        y = i * row + 2
        w = max(2.0, (width - label_w - 60) * t.road_km / top)
        colour = "#b3261e" if t.late else "#0b4f8a"
        plate = escape(t.booking.vehicle.plate)
        eta = timezone.localtime(t.eta).strftime("%H:%M")
        parts.append(
            f'<text x="0" y="{y + 15}" font-size="12" fill="#1d2733">{plate}</text>'
            f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row - 8}" fill="{colour}">'
            f"<title>{plate}: {t.road_km:.0f} km, {eta}</title></rect>"
            f'<text x="{label_w + w + 4:.1f}" y="{y + 15}" font-size="11" fill="#5d6b78">'
            f"{t.road_km:.0f} km · {eta}</text>"
        )
    parts.append("</svg>")
    # Every user-typed value above (the plate) is escaped.
    return mark_safe("".join(parts))


def portal_section(request: HttpRequest) -> dict[str, Any] | None:
    """Portal home: a way to the "I am driving" page for whoever has a confirmed trip to drive."""
    trips = selectors.drivable_trips(request.user).count()
    return {"trips": trips} if trips else None
