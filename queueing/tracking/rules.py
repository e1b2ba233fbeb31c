"""The tracking rules, one function each: is a fix acceptable, the recent track, the speed, the
arrival estimate, lateness. Nearly pure (settings are read once per call); docs/tracking.md
mirrors the numbered rules.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal
from typing import cast

from django.conf import settings
from django.utils.translation import gettext as _

from queueing.rules import no_show_after
from vehicles.models import Gate

EARTH_RADIUS_KM = 6371.0088
# A phone's or tracker's clock may run a little ahead of ours; more than this is "in the future".
CLOCK_SKEW = dt.timedelta(seconds=60)
# Older fixes are refused: the estimate has no use for them and partitions that old may be gone.
MAX_FIX_AGE = dt.timedelta(hours=24)
# The recent track: fixes of the last half hour, about one a minute, at most TRACK_POINTS.
TRACK_WINDOW = dt.timedelta(minutes=30)
TRACK_SPACING_S = 55
TRACK_POINTS = 40
# Observed speed needs fixes spanning at least this long (shorter spans are GPS noise).
MIN_OBSERVED_SPAN_S = 120
ARRIVED_KM = 0.5


def fix_time_problem(time: dt.datetime, *, now: dt.datetime) -> str | None:
    """Why a fix's time is not acceptable, or None. (Rule 1: not in the future, not stale.)"""
    if time.tzinfo is None:
        return _("Give the time with its offset (ISO 8601, e.g. 2026-01-31T08:00:00+07:00).")
    if time > now + CLOCK_SKEW:
        return _("This time is in the future.")
    if time < now - MAX_FIX_AGE:
        return _("This fix is older than 24 hours.")
    return None


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance between two points (degrees), in km."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


Point = list  # [epoch seconds, lat, lon]


def track_add(track: list[Point], *, time: dt.datetime, lat: float, lon: float) -> list[Point]:
    """The recent track with a new fix (rule 2).

    Fixes older than the newest kept one are ignored (late or repeated deliveries). A fix closer
    than TRACK_SPACING_S to the point before the newest replaces the newest, so the track holds
    about one point a minute; points older than TRACK_WINDOW before the new fix drop off.
    """
    t = time.timestamp()
    points = [list(p) for p in track]
    if points and t <= points[-1][0]:
        return points
    if len(points) >= 2 and t - points[-2][0] < TRACK_SPACING_S:
        points[-1] = [t, lat, lon]
    else:
        points.append([t, lat, lon])
    horizon = t - TRACK_WINDOW.total_seconds()
    points = [p for p in points if p[0] >= horizon]
    return points[-TRACK_POINTS:]


def observed_speed_kmh(track: list[Point]) -> float | None:
    """Path length over time along the recent track (rule 3); None when it spans too little."""
    if len(track) < 2:
        return None
    span = track[-1][0] - track[0][0]
    if span < MIN_OBSERVED_SPAN_S:
        return None
    path = sum(haversine_km(a[1], a[2], b[1], b[2]) for a, b in zip(track, track[1:], strict=False))
    return path / (span / 3600)


@dataclass(frozen=True)
class Estimate:
    distance_km: float
    road_km: float
    speed_kmh: float
    basis: str  # observed | reported | assumed
    eta: dt.datetime


def estimate(
    *, gate: Gate, time: dt.datetime, lat: float, lon: float, track: list[Point], reported_kmh: float | None
) -> Estimate:
    """When the truck reaches the gate (rule 4).

    road distance = straight distance to the gate × TRACKING_ROAD_FACTOR;
    speed = the observed speed over the recent track, else the speed the fix reported, else
    (nothing known yet) the maximum — never flag a truck on no evidence — bounded between
    TRACKING_MIN_SPEED_KMH (a stopped truck will move again, but when is unknown) and
    TRACKING_MAX_SPEED_KMH (what a loaded truck keeps up on these roads);
    eta = time of the fix + road distance ÷ speed (the fix's time: the truck was there then).
    """
    # An estimate needs the gate's coordinates (a gate without them fails here, as float(None)).
    gate_lat, gate_lon = cast(Decimal, gate.latitude), cast(Decimal, gate.longitude)
    straight = haversine_km(lat, lon, float(gate_lat), float(gate_lon))
    road = 0.0 if straight <= ARRIVED_KM else straight * settings.TRACKING_ROAD_FACTOR
    observed = observed_speed_kmh(track)
    if observed is not None:
        speed, basis = observed, "observed"
    elif reported_kmh is not None:
        speed, basis = reported_kmh, "reported"
    else:
        speed, basis = settings.TRACKING_MAX_SPEED_KMH, "assumed"
    speed = min(max(speed, settings.TRACKING_MIN_SPEED_KMH), settings.TRACKING_MAX_SPEED_KMH)
    return Estimate(
        distance_km=straight,
        road_km=road,
        speed_kmh=speed,
        basis=basis,
        eta=time + dt.timedelta(hours=road / speed),
    )


def is_late(*, gate: Gate, slot_end: dt.datetime, eta: dt.datetime) -> bool:
    """Rule 5: late when the truck would arrive after its yard entry window has closed."""
    return eta > no_show_after(gate, slot_end)
