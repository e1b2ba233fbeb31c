"""Demo data of trucks en route: the booked truck of `demo-operator-2` reports the last ten
minutes of its drive north to Hữu Nghị, so the dashboard and the trip page have something to
show. Through the real service; idempotent (nothing when the truck reported in the last hour)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.utils import timezone

from queueing.models import Booking, BookingState

from . import services
from .models import TripEstimate

KM_PER_DEGREE = 111.195


def seed_positions() -> list[str]:
    operator = User.objects.filter(username="demo-operator-2").first()
    member = getattr(operator, "company_member", None) if operator else None
    if member is None:
        return []
    booking = (
        Booking.objects.filter(
            company_id=member.company_id, state=BookingState.CONFIRMED, gate__code="HUU_NGHI"
        )
        .select_related("gate", "vehicle")
        .order_by("slot_start")
        .first()
    )
    now = timezone.now()
    if booking is None or booking.gate.latitude is None:
        return []
    if TripEstimate.objects.filter(booking=booking, updated__gte=now - dt.timedelta(hours=1)).exists():
        return []
    lat0, lon0 = float(booking.gate.latitude), float(booking.gate.longitude)
    fixes = [
        services.Fix(
            plate=booking.vehicle.plate,
            time=now - dt.timedelta(minutes=10 - minute),
            # Due south of the gate, 58 km away ten minutes ago, at 50 km/h.
            lat=lat0 - (58 - 50 * minute / 60) / KM_PER_DEGREE,
            lon=lon0 - 0.05,
            speed_kmh=50,
        )
        for minute in range(11)
    ]
    [estimate] = services.positions_ingest(actor=operator, fixes=fixes)
    return [
        f"{booking.vehicle.plate} en route to Hữu Nghị: {estimate.road_km:.0f} km by road, "
        f"expected {timezone.localtime(estimate.eta):%H:%M}"
    ]
