"""Charts of a run as inline SVG made here: the page renders with no network and no library.

Two charts per run — yard occupancy by hour (bars: at the hour's end; a mark: the hour's peak)
and the wait check-in → call by hour of check-in (p50 and p90 lines). A comparison draws the
baseline and the scenario with the same scales, side by side, so their heights compare.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.html import escape

WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 560, 200, 40, 22, 8
BLUE, ORANGE, GREY, INK = "#0b4f8a", "#c25e00", "#9aa5b1", "#5d6b78"


def nice_max(value: float) -> float:
    """The axis' top: the next of 1, 2, 5 × 10^n at or above `value` (at least 1)."""
    if value <= 1:
        return 1
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _frame(title: str, top: float, labels: list[str]) -> list[str]:
    plot_h = HEIGHT - BOTTOM - TOP
    parts = [
        f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" role="img" class="chart sim-chart" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    for fraction in (0, 0.5, 1):
        y = TOP + plot_h * (1 - fraction)
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e3e7eb"/>'
            f'<text x="{LEFT - 4}" y="{y + 4:.1f}" font-size="10" text-anchor="end" fill="{INK}">'
            f"{top * fraction:g}</text>"
        )
    step = max(1, len(labels) // 8)
    width = (WIDTH - LEFT) / max(len(labels), 1)
    for i in range(0, len(labels), step):
        parts.append(
            f'<text x="{LEFT + i * width + 1:.1f}" y="{HEIGHT - 6}" font-size="10" fill="{INK}">'
            f"{escape(labels[i])}</text>"
        )
    return parts


def occupancy_svg(at_end: list[int], peak: list[int], labels: list[str], *, top: float, title: str) -> str:
    plot_h = HEIGHT - BOTTOM - TOP
    width = (WIDTH - LEFT) / max(len(at_end), 1)
    parts = _frame(title, top, labels)
    for i, (value, high) in enumerate(zip(at_end, peak, strict=True)):
        x = LEFT + i * width
        h = plot_h * value / top
        parts.append(
            f'<rect x="{x + 0.5:.1f}" y="{TOP + plot_h - h:.1f}" width="{max(width - 1, 0.5):.1f}" '
            f'height="{h:.1f}" fill="{BLUE}"><title>{escape(labels[i])}: {value} ({high})</title></rect>'
        )
        if high > value:
            y = TOP + plot_h * (1 - high / top)
            parts.append(
                f'<line x1="{x + 0.5:.1f}" x2="{x + width - 0.5:.1f}" y1="{y:.1f}" y2="{y:.1f}" '
                f'stroke="{ORANGE}" stroke-width="2"/>'
            )
    parts.append("</svg>")
    return "".join(parts)


def waits_svg(
    p50: list[float | None], p90: list[float | None], labels: list[str], *, top: float, title: str
) -> str:
    plot_h = HEIGHT - BOTTOM - TOP
    width = (WIDTH - LEFT) / max(len(p50), 1)
    parts = _frame(title, top, labels)
    for values, colour, dash in ((p90, ORANGE, "4 3"), (p50, BLUE, "")):
        points = [
            f"{LEFT + (i + 0.5) * width:.1f},{TOP + plot_h * (1 - min(v, top) / top):.1f}"
            for i, v in enumerate(values)
            if v is not None
        ]
        if points:
            parts.append(
                f'<polyline points="{" ".join(points)}" fill="none" stroke="{colour}" stroke-width="2"'
                + (f' stroke-dasharray="{dash}"' if dash else "")
                + "/>"
            )
    parts.append("</svg>")
    return "".join(parts)


def hour_labels(report: dict[str, Any]) -> list[str]:
    hours = [dt.datetime.fromisoformat(h) for h in report["hours"]]
    several_days = len({h.date() for h in hours}) > 1
    return [h.strftime("%d/%m %Hh" if several_days else "%H:00") for h in hours]


def charts_for(reports: list[dict[str, Any]], titles: dict[str, str]) -> list[dict[str, str]]:
    """For each report, its two charts; every report's charts share the same scales."""
    occupancy_top = nice_max(max((max(r["hourly"]["occupancy_max"] or [0]) for r in reports), default=0))
    waits = [v for r in reports for v in r["hourly"]["wait_p90"] + r["hourly"]["wait_p50"] if v is not None]
    wait_top = nice_max(max(waits, default=0))
    charts = []
    for report in reports:
        labels = hour_labels(report)
        hourly = report["hourly"]
        charts.append(
            {
                "occupancy": occupancy_svg(
                    hourly["occupancy"],
                    hourly["occupancy_max"],
                    labels,
                    top=occupancy_top,
                    title=titles["occupancy"],
                ),
                "waits": waits_svg(
                    hourly["wait_p50"], hourly["wait_p90"], labels, top=wait_top, title=titles["waits"]
                ),
            }
        )
    return charts
