"""The retention sweep forgets positions TRACKING_RETENTION_DAYS after they were recorded, and
the estimates and consents of trips that ended that long ago; on PostgreSQL by dropping whole
day partitions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from queueing.tracking import partitions, services
from queueing.tracking.models import Position, TrackingConsent, TripEstimate

from .conftest import offset

pytestmark = pytest.mark.django_db


def _position(booking, gate, when):  # type: ignore[no-untyped-def]
    lat, lon = offset(gate, 0, -20)
    return Position.objects.create(
        booking=booking, time=when, lat=lat, lon=lon, source="fleet", received=when
    )


def test_the_sweep_deletes_old_positions_and_keeps_recent_ones(settings, trip, gate):
    settings.TRACKING_RETENTION_DAYS = 7
    now = timezone.now()
    old = _position(trip, gate, now - dt.timedelta(days=8))
    edge = _position(trip, gate, now - dt.timedelta(days=7, minutes=1))
    recent = _position(trip, gate, now - dt.timedelta(days=6, hours=23))
    services.positions_sweep(now=now)
    left = set(Position.objects.values_list("pk", flat=True))
    assert old.pk not in left
    assert edge.pk not in left
    assert recent.pk in left


def test_the_estimate_and_consent_of_a_trip_ended_long_ago_are_deleted(
    settings, trip, gate, owner, token_client
):
    from queueing import services as queueing_services

    settings.TRACKING_RETENTION_DAYS = 2
    lat, lon = offset(gate, 0, -20)
    token_client.post(
        "/api/v1/positions/",
        {"plate": trip.vehicle.plate, "time": timezone.now().isoformat(), "lat": lat, "lon": lon},
        format="json",
    )
    services.consent_give(actor=owner, booking=trip)
    queueing_services.booking_cancel(booking=trip, actor=owner)
    services.positions_sweep(now=timezone.now() + dt.timedelta(days=1))
    assert TripEstimate.objects.filter(booking=trip).exists()  # ended one day ago: kept
    services.positions_sweep(now=timezone.now() + dt.timedelta(days=3))
    assert not TripEstimate.objects.filter(booking=trip).exists()
    assert not TrackingConsent.objects.filter(booking=trip).exists()
    assert not Position.objects.filter(booking=trip).exists()


@pytest.mark.postgres
def test_on_postgresql_old_days_leave_as_whole_partitions(settings, trip, gate):
    settings.TRACKING_RETENTION_DAYS = 7
    now = timezone.now()
    old_day = (now - dt.timedelta(days=10)).date()
    partitions.ensure(start=old_day, days=1)
    assert partitions.child_name(old_day) in partitions.children()
    old = _position(trip, gate, dt.datetime.combine(old_day, dt.time(12), tzinfo=dt.UTC))
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT count(*) FROM "{partitions.child_name(old_day)}"')
        assert cursor.fetchone()[0] == 1  # the row went to its day's partition
    result = services.positions_sweep(now=now)
    assert result.partitions_dropped >= 1
    assert partitions.child_name(old_day) not in partitions.children()
    assert not Position.objects.filter(pk=old.pk).exists()
    # The sweep also made the partitions of the coming days.
    tomorrow = (now + dt.timedelta(days=1)).date()
    assert partitions.child_name(tomorrow) in partitions.children()


@pytest.mark.postgres
def test_on_postgresql_the_position_table_is_partitioned_by_day():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT partstrat FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid "
            "WHERE c.relname = 'tracking_position'"
        )
        assert cursor.fetchone() == ("r",)
    assert partitions.DEFAULT in partitions.children()


def test_the_beat_task_runs_the_sweep(settings, trip, gate):
    from queueing.tracking.tasks import positions_sweep

    settings.TRACKING_RETENTION_DAYS = 1
    _position(trip, gate, timezone.now() - dt.timedelta(days=3))
    assert positions_sweep.delay().get() == 1
    assert Position.objects.count() == 0
