"""Arrival estimates: a truck on the road to Hữu Nghị is estimated within 10% of the truth; one
that stops 150 km away is flagged before its window and its operator is told once, with the
first slot it can still reach, which one tap books."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from django.utils import timezone

from cuakhau.notifications.models import Notification
from queueing.models import Slot
from queueing.tracking import rules
from queueing.tracking.models import TripEstimate
from tests.queueing.conftest import make_slot

from .conftest import fix, offset

pytestmark = pytest.mark.django_db
URL = "/api/v1/positions/"


def zigzag_road(approach_km: float, *, bearing_deg: float = 200.0, leg_km: float = 2.0):  # type: ignore[no-untyped-def]
    """A road to the gate that winds ±36.87° about the straight line, so that every km of it
    brings the truck 0.8 km closer: the road is 1.25× the straight distance (the road factor).
    Returns the road's vertices as (east_km, north_km), from `approach_km` away to the gate."""
    theta = math.acos(0.8)
    back = math.radians(bearing_deg)  # direction from the gate to where the truck starts
    ux, uy = math.sin(back), math.cos(back)  # unit vector gate → start
    px, py = -uy, ux  # perpendicular
    vertices = [(ux * approach_km, uy * approach_km)]
    along, side = approach_km, 0.0
    sign = 1
    while along > 0:
        along = max(along - leg_km * math.cos(theta), 0.0)
        side = sign * leg_km * math.sin(theta) / 2 if along > 0 else 0.0
        sign = -sign
        vertices.append((ux * along + px * side, uy * along + py * side))
    return vertices


def point_at(vertices, km: float):  # type: ignore[no-untyped-def]
    """The point `km` along the road, and the road length left after it."""
    lengths = [math.dist(a, b) for a, b in zip(vertices, vertices[1:], strict=False)]
    total = sum(lengths)
    walked = 0.0
    for (a, b), length in zip(zip(vertices, vertices[1:], strict=False), lengths, strict=False):
        if walked + length >= km:
            f = (km - walked) / length
            return (a[0] + f * (b[0] - a[0]), a[1] + f * (b[1] - a[1])), total - km
        walked += length
    return vertices[-1], 0.0


def test_a_truck_driving_to_huu_nghi_at_50_kmh_is_estimated_within_ten_percent(token_client, trip, gate):
    road = zigzag_road(60.0)
    now = timezone.now().replace(microsecond=0)
    speed = 50.0  # km/h, the truth
    fixes = 40  # every 30 s for 20 minutes, the last one now
    for i in range(fixes):
        at = now - dt.timedelta(seconds=30 * (fixes - 1 - i))
        (east, north), _left = point_at(road, speed * 30 * i / 3600)
        reply = token_client.post(URL, fix(trip.vehicle.plate, at, offset(gate, east, north)), format="json")
        assert reply.status_code == 201, reply.json()
    _here, left_km = point_at(road, speed * 30 * (fixes - 1) / 3600)
    truth_minutes = left_km / speed * 60  # about 49 km of road left: ~59 minutes
    estimate = TripEstimate.objects.get(booking=trip)
    estimated_minutes = (estimate.eta - now).total_seconds() / 60
    assert estimate.speed_basis == "observed"
    assert estimated_minutes == pytest.approx(truth_minutes, rel=0.10)
    assert estimate.late is False


def test_the_estimate_without_observed_speed_uses_the_reported_one_then_the_maximum(settings, gate):
    settings.TRACKING_ROAD_FACTOR, settings.TRACKING_MAX_SPEED_KMH = 1.25, 60.0
    now = timezone.now()
    lat, lon = offset(gate, 0, -48)  # 48 km straight = 60 km by road
    reported = rules.estimate(gate=gate, time=now, lat=lat, lon=lon, track=[], reported_kmh=40)
    assert (reported.basis, round(reported.road_km, 1)) == ("reported", 60.0)
    assert (reported.eta - now).total_seconds() == pytest.approx(90 * 60, abs=30)
    unknown = rules.estimate(gate=gate, time=now, lat=lat, lon=lon, track=[], reported_kmh=None)
    assert unknown.basis == "assumed"
    assert (unknown.eta - now).total_seconds() == pytest.approx(60 * 60, abs=30)
    # A truck reporting 120 km/h is bounded by the maximum a truck keeps up.
    fast = rules.estimate(gate=gate, time=now, lat=lat, lon=lon, track=[], reported_kmh=120)
    assert fast.speed_kmh == 60.0


def _drive_then_stop(client, plate, gate, now):  # type: ignore[no-untyped-def]
    """170 km → 150 km away at 50 km/h (fixes every minute, 24 minutes), then stopped 30 minutes."""
    replies = []
    start = now - dt.timedelta(minutes=54)
    for minute in range(0, 25):
        km = 170 - 50 * minute / 60
        replies.append(
            client.post(
                URL, fix(plate, start + dt.timedelta(minutes=minute), offset(gate, 0, -km)), format="json"
            )
        )
    moving = TripEstimate.objects.get(booking__vehicle__plate=plate)
    for minute in range(25, 55):
        replies.append(
            client.post(
                URL, fix(plate, start + dt.timedelta(minutes=minute), offset(gate, 0, -150)), format="json"
            )
        )
    assert all(r.status_code == 201 for r in replies)
    return moving


def test_a_truck_stopping_150_km_away_is_flagged_before_its_window_and_told_once(
    token_client, trip, gate, owner
):
    now = timezone.now()
    later = make_slot(gate, start=trip.slot.start + dt.timedelta(hours=7))  # 10 h from now
    moving = _drive_then_stop(token_client, trip.vehicle.plate, gate, now)
    # While moving at 50 km/h: 150 km × 1.25 = 187.5 km ÷ 50 = 3 h 45 min < window end 4 h + 30 min.
    assert moving.late is False
    estimate = TripEstimate.objects.get(booking=trip)
    assert estimate.late is True
    assert estimate.flagged_slot_id == trip.slot_id
    assert estimate.flagged_at < trip.slot.start  # flagged before the window opened
    told = Notification.objects.filter(event="booking.late", recipient=owner, channel="in_app")
    assert told.count() == 1
    note = told.get()
    assert note.subject_type == "trip"
    assert note.payload["offer_slot"] == later.pk
    assert trip.vehicle.plate in note.title
    # More fixes from the stopped truck tell nobody again.
    token_client.post(URL, fix(trip.vehicle.plate, timezone.now(), offset(gate, 0, -150)), format="json")
    assert Notification.objects.filter(event__startswith="booking.late", recipient=owner).count() == 1


def test_the_warnings_one_tap_rebooks_to_the_first_slot_it_can_reach(token_client, trip, gate, owner, client):
    now = timezone.now()
    old_slot = trip.slot
    # Too early to reach (ends 5 h from now) and full, then the one it can reach, then a later one.
    make_slot(gate, start=old_slot.start + dt.timedelta(hours=1))
    full = make_slot(gate, start=old_slot.start + dt.timedelta(hours=7), capacity=1)
    Slot.objects.filter(pk=full.pk).update(booked=1)
    reachable = make_slot(gate, start=old_slot.start + dt.timedelta(hours=8))
    make_slot(gate, start=old_slot.start + dt.timedelta(hours=9))
    _drive_then_stop(token_client, trip.vehicle.plate, gate, now)
    client.force_login(owner)
    page = client.get(f"/portal/driving/{trip.pk}/")
    assert page.status_code == 200
    assert page.context["offer"] == reachable
    assert b'id="rebook-offer"' in page.content
    reply = client.post(f"/portal/driving/{trip.pk}/rebook/", {"slot": reachable.pk})
    assert reply.status_code == 302
    trip.refresh_from_db()
    old_slot.refresh_from_db()
    reachable.refresh_from_db()
    assert trip.slot_id == reachable.pk
    assert (old_slot.booked, reachable.booked) == (0, 1)
    assert TripEstimate.objects.get(booking=trip).late is False


def test_a_stale_offer_is_refused_and_nothing_moves(token_client, trip, gate, owner, client):
    now = timezone.now()
    reachable = make_slot(gate, start=trip.slot.start + dt.timedelta(hours=8))
    too_early = make_slot(gate, start=trip.slot.start + dt.timedelta(hours=1))
    _drive_then_stop(token_client, trip.vehicle.plate, gate, now)
    client.force_login(owner)
    client.post(f"/portal/driving/{trip.pk}/rebook/", {"slot": too_early.pk})
    trip.refresh_from_db()
    assert trip.slot_id not in (too_early.pk, reachable.pk)
    too_early.refresh_from_db()
    assert too_early.booked == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fixes_racing_for_a_late_truck_warn_its_operator_once(company, owner, gate):
    """Eight requests at once, each with a fix that makes the truck late: one warning."""
    import threading

    from django.db import connections

    from queueing import services as queueing_services
    from queueing.tracking import services
    from tests.queueing.conftest import make_declaration

    start = (timezone.now() + dt.timedelta(hours=1)).replace(second=0, microsecond=0)
    booking = queueing_services.booking_create(
        declaration=make_declaration(company), slot=make_slot(gate, start=start), actor=owner
    )
    lat, lon = offset(gate, 0, -150)  # 187.5 km by road: at least 3 h; the window closes in 2 h 30
    barrier = threading.Barrier(8)
    failures = []

    def send(i: int) -> None:
        try:
            barrier.wait()
            at = timezone.now() - dt.timedelta(seconds=i)
            services.positions_ingest(
                actor=owner, fixes=[services.Fix(plate=booking.vehicle.plate, time=at, lat=lat, lon=lon)]
            )
        except Exception as exc:
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert TripEstimate.objects.get(booking=booking).late is True
    assert (
        Notification.objects.filter(
            event__startswith="booking.late", recipient=owner, channel="in_app"
        ).count()
        == 1
    )
