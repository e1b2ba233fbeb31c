"""Fixtures of the tracking tests: a booked truck heading to Hữu Nghị, and a little geometry to
drive it along a road (flat-earth offsets in km around the gate, exact enough over 200 km)."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from django.utils import timezone

from queueing import services as queueing_services
from tests.queueing.conftest import make_declaration, make_slot

KM_PER_DEGREE_LAT = 111.195  # 6371.0088 km × π / 180


def offset(gate, east_km: float, north_km: float) -> tuple[float, float]:
    """The point `east_km`, `north_km` away from the gate, as (lat, lon)."""
    lat0, lon0 = float(gate.latitude), float(gate.longitude)
    lat = lat0 + north_km / KM_PER_DEGREE_LAT
    lon = lon0 + east_km / (KM_PER_DEGREE_LAT * math.cos(math.radians((lat0 + lat) / 2)))
    return lat, lon


def fix(plate: str, time: dt.datetime, point: tuple[float, float], **extra) -> dict:  # type: ignore[no-untyped-def]
    return {"plate": plate, "time": time.isoformat(), "lat": point[0], "lon": point[1], **extra}


@pytest.fixture
def trip(company, owner, gate):  # type: ignore[no-untyped-def]
    """A confirmed booking at Hữu Nghị whose slot starts in 3 hours (window 3 h to 4 h, grace 30 min)."""
    start = (timezone.now() + dt.timedelta(hours=3)).replace(second=0, microsecond=0)
    slot = make_slot(gate, start=start)
    return queueing_services.booking_create(declaration=make_declaration(company), slot=slot, actor=owner)


@pytest.fixture
def token_client(api_client, owner):  # type: ignore[no-untyped-def]
    from rest_framework.authtoken.models import Token

    api_client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=owner).key}")
    return api_client
