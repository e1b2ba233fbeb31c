"""POST /api/v1/positions/: a company's fleet system sends fixes of its own booked trucks;
anything wrong is a 400 naming it, and then nothing at all is stored."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from queueing.tracking.models import Position, TripEstimate
from tests.queueing.conftest import make_declaration, make_slot

from .conftest import fix, offset

pytestmark = pytest.mark.django_db
URL = "/api/v1/positions/"


def test_one_fix_is_stored_and_answers_the_estimate(token_client, trip, gate):
    now = timezone.now()
    reply = token_client.post(
        URL, fix(trip.vehicle.plate, now, offset(gate, 0, -30), speed=45), format="json"
    )
    assert reply.status_code == 201, reply.json()
    row = Position.objects.get(booking=trip)
    assert (row.source, row.speed_kmh) == ("fleet", 45.0)
    [answer] = reply.json()
    assert answer["booking"] == trip.pk
    # 30 km straight × 1.25 road factor = 37.5 km at the reported 45 km/h = 50 minutes.
    assert answer["distance_km"] == pytest.approx(37.5, abs=0.1)
    eta = dt.datetime.fromisoformat(answer["eta"])
    assert (eta - now).total_seconds() / 60 == pytest.approx(50, abs=0.5)
    assert answer["late"] is False


def test_many_fixes_of_several_trucks_in_one_request(token_client, trip, company, owner, gate):
    from queueing import services

    other = services.booking_create(
        declaration=make_declaration(company), slot=make_slot(gate, hours_ahead=5), actor=owner
    )
    now = timezone.now()
    body = [
        fix(trip.vehicle.plate, now - dt.timedelta(seconds=60), offset(gate, 0, -40)),
        fix(trip.vehicle.plate, now, offset(gate, 0, -39.5)),
        fix(other.vehicle.plate, now, offset(gate, 5, -80)),
    ]
    reply = token_client.post(URL, body, format="json")
    assert reply.status_code == 201, reply.json()
    assert Position.objects.filter(booking=trip).count() == 2
    assert Position.objects.filter(booking=other).count() == 1
    assert TripEstimate.objects.count() == 2


def test_a_repeated_fix_is_ignored(token_client, trip, gate):
    body = fix(trip.vehicle.plate, timezone.now(), offset(gate, 0, -30))
    assert token_client.post(URL, body, format="json").status_code == 201
    assert token_client.post(URL, [body, body], format="json").status_code == 201
    assert Position.objects.filter(booking=trip).count() == 1


def test_positions_of_another_companys_truck_are_refused(
    token_client, trip, other_company, other_owner, gate
):
    from queueing import services

    theirs = services.booking_create(
        declaration=make_declaration(other_company), slot=make_slot(gate), actor=other_owner
    )
    now = timezone.now()
    reply = token_client.post(
        URL,
        [
            fix(trip.vehicle.plate, now, offset(gate, 0, -30)),
            fix(theirs.vehicle.plate, now, offset(gate, 0, -20)),
        ],
        format="json",
    )
    assert reply.status_code == 400
    detail = reply.json()["detail"]
    assert detail[0] == {}
    assert theirs.vehicle.plate in detail[1]["plate"][0]
    # All or nothing: not even the good fix of our own truck is stored.
    assert Position.objects.count() == 0
    assert TripEstimate.objects.count() == 0


def test_a_truck_without_a_live_booking_is_refused(token_client, trip, owner, gate):
    from queueing import services

    services.booking_cancel(booking=trip, actor=owner)
    reply = token_client.post(
        URL, fix(trip.vehicle.plate, timezone.now(), offset(gate, 0, -30)), format="json"
    )
    assert reply.status_code == 400
    assert "plate" in reply.json()["detail"]
    assert Position.objects.count() == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"lat": 95}, "lat"),
        ({"lon": -181}, "lon"),
        ({"lat": "north"}, "lat"),
        ({"speed": -5}, "speed"),
        ({"time": "yesterday"}, "time"),
    ],
)
def test_bad_values_are_named_and_nothing_is_stored(token_client, trip, gate, change, field):
    body = {**fix(trip.vehicle.plate, timezone.now(), offset(gate, 0, -30)), **change}
    reply = token_client.post(URL, body, format="json")
    assert reply.status_code == 400
    assert reply.json()["code"] == "invalid"
    assert field in reply.json()["detail"]
    assert Position.objects.count() == 0


def test_a_time_in_the_future_is_refused(token_client, trip, gate):
    later = timezone.now() + dt.timedelta(minutes=10)
    reply = token_client.post(URL, fix(trip.vehicle.plate, later, offset(gate, 0, -30)), format="json")
    assert reply.status_code == 400
    assert reply.json()["detail"] == {"time": ["This time is in the future."]}
    assert Position.objects.count() == 0


def test_a_fix_older_than_a_day_is_refused(token_client, trip, gate):
    old = timezone.now() - dt.timedelta(hours=25)
    reply = token_client.post(URL, fix(trip.vehicle.plate, old, offset(gate, 0, -30)), format="json")
    assert reply.status_code == 400
    assert "time" in reply.json()["detail"]


def test_an_empty_list_is_refused(token_client, trip):
    reply = token_client.post(URL, [], format="json")
    assert reply.status_code == 400


def test_anonymous_callers_are_refused(api_client, trip, gate):
    reply = api_client.post(URL, fix(trip.vehicle.plate, timezone.now(), offset(gate, 0, -30)), format="json")
    assert reply.status_code == 401
    assert Position.objects.count() == 0


def test_only_post_is_allowed(token_client, trip):
    assert token_client.get(URL).status_code == 405


def test_a_user_of_no_company_stores_nothing(api_client, stranger, trip, gate):
    api_client.force_authenticate(stranger)
    reply = api_client.post(URL, fix(trip.vehicle.plate, timezone.now(), offset(gate, 0, -30)), format="json")
    assert reply.status_code == 400
    assert Position.objects.count() == 0


def test_a_fix_costs_three_statements_and_a_burst_of_many_trucks_the_same(
    token_client, trip, company, owner, gate, django_assert_num_queries
):
    """Token, the live trips, one write (fixes and estimates together) — on PostgreSQL; SQLite
    writes them in two statements inside a transaction."""
    from django.db import connection

    from queueing import services

    others = [
        services.booking_create(declaration=make_declaration(company), slot=make_slot(gate), actor=owner)
        for _ in range(5)
    ]
    now = timezone.now()
    expected = 3 if connection.vendor == "postgresql" else 6  # SAVEPOINT, 2 writes, RELEASE
    with django_assert_num_queries(expected):
        token_client.post(
            URL, fix(trip.vehicle.plate, now - dt.timedelta(seconds=30), offset(gate, 0, -30)), format="json"
        )
    burst = [fix(b.vehicle.plate, now, offset(gate, 0, -40)) for b in [trip, *others]]
    with django_assert_num_queries(expected):
        reply = token_client.post(URL, burst, format="json")
    assert reply.status_code == 201
    assert Position.objects.count() == 7
