"""The "I am driving" page (consent first; the phone's fixes), the manager's dashboard section,
and the portal's wait estimate counting the trucks expected before this one."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from queueing import services as queueing_services
from queueing.models import PartnerAcceptance
from queueing.selectors import wait_estimate
from queueing.tracking.models import Position, TrackingConsent
from tests import factories
from tests.queueing.conftest import make_declaration, make_slot

from .conftest import fix, offset

pytestmark = pytest.mark.django_db


def _phone_fix(gate, km_south: float, when=None) -> dict:  # type: ignore[no-untyped-def]
    lat, lon = offset(gate, 0, -km_south)
    return {"lat": lat, "lon": lon, "time": (when or timezone.now()).isoformat(), "speed": "40"}


def test_the_page_asks_for_consent_and_loads_no_script_before_it(client, owner, trip):
    client.force_login(owner)
    page = client.get(f"/portal/driving/{trip.pk}/")
    assert page.status_code == 200
    assert b'id="agree"' in page.content
    assert b"driving.js" not in page.content
    assert b'data-consent="no"' in page.content


def test_without_consent_a_phone_fix_is_refused(client, owner, trip, gate):
    client.force_login(owner)
    reply = client.post(f"/portal/driving/{trip.pk}/position/", _phone_fix(gate, 30))
    assert reply.status_code == 403
    assert reply.json()["code"] == "no_consent"
    assert Position.objects.count() == 0


def test_after_consent_the_phone_sends_fixes_and_sees_its_estimate(client, owner, trip, gate):
    client.force_login(owner)
    client.post(f"/portal/driving/{trip.pk}/consent/", {"agree": "yes"})
    page = client.get(f"/portal/driving/{trip.pk}/")
    assert b"driving.js" in page.content
    assert b'data-consent="yes"' in page.content
    assert b"<script>" not in page.content  # no inline script (Content-Security-Policy)
    reply = client.post(f"/portal/driving/{trip.pk}/position/", _phone_fix(gate, 32))
    assert reply.status_code == 200
    assert b'id="trip-estimate"' in reply.content
    assert b"about 40 km by road" in reply.content  # 32 km × 1.25
    row = Position.objects.get(booking=trip)
    assert (row.source, row.speed_kmh) == ("phone", 40.0)


def test_stopping_sharing_withdraws_the_consent(client, owner, trip, gate):
    client.force_login(owner)
    client.post(f"/portal/driving/{trip.pk}/consent/", {"agree": "yes"})
    client.post(f"/portal/driving/{trip.pk}/consent/", {"agree": "no"})
    assert not TrackingConsent.objects.exists()
    assert client.post(f"/portal/driving/{trip.pk}/position/", _phone_fix(gate, 30)).status_code == 403


def test_the_declared_driver_may_drive_the_trip_with_their_own_account(client, trip, gate):
    driver_user = factories.UserFactory()
    trip.declaration.driver.user = driver_user
    trip.declaration.driver.save()
    client.force_login(driver_user)
    assert client.get("/portal/driving/").context["trips"] == [trip]
    client.post(f"/portal/driving/{trip.pk}/consent/", {"agree": "yes"})
    assert client.post(f"/portal/driving/{trip.pk}/position/", _phone_fix(gate, 30)).status_code == 200


def test_another_companys_operator_cannot_open_or_feed_the_trip(client, other_owner, trip, gate):
    client.force_login(other_owner)
    assert client.get(f"/portal/driving/{trip.pk}/").status_code == 404
    assert client.post(f"/portal/driving/{trip.pk}/consent/", {"agree": "yes"}).status_code == 404
    assert client.post(f"/portal/driving/{trip.pk}/position/", _phone_fix(gate, 30)).status_code == 404
    assert Position.objects.count() == 0


def test_a_bad_phone_fix_is_refused_and_names_the_field(client, owner, trip, gate):
    client.force_login(owner)
    client.post(f"/portal/driving/{trip.pk}/consent/", {"agree": "yes"})
    reply = client.post(f"/portal/driving/{trip.pk}/position/", {**_phone_fix(gate, 30), "lat": "91"})
    assert reply.status_code == 400
    assert "lat" in reply.json()["detail"]
    assert Position.objects.count() == 0


def test_the_portal_home_leads_to_the_driving_page(client, owner, trip):
    client.force_login(owner)
    assert b"/portal/driving/" in client.get("/portal/").content


def test_the_manager_sees_trucks_en_route_nearest_first_with_the_late_ones(
    client, gate_manager, token_client, trip, company, owner, gate
):
    far = queueing_services.booking_create(
        declaration=make_declaration(company), slot=make_slot(gate, hours_ahead=1), actor=owner
    )
    now = timezone.now()
    token_client.post(
        "/api/v1/positions/",
        [fix(trip.vehicle.plate, now, offset(gate, 0, -12), speed=50), fix(far.vehicle.plate, now, offset(gate, 0, -140), speed=50)],
        format="json",
    )  # fmt: skip
    client.force_login(gate_manager)
    page = client.get("/dashboard/HUU_NGHI/")
    assert page.status_code == 200
    [figures] = page.context["figures"]
    [section] = [
        s["context"] for s in figures.sections if s["template"] == "tracking/_dashboard_section.html"
    ]
    assert [t.booking_id for t in section["trucks"]] == [trip.pk, far.pk]
    assert [t.booking_id for t in section["late"]] == [far.pk]  # 175 km in 1 h 30 min: impossible
    html = page.content.decode()
    assert "distance-chart" in html and trip.vehicle.plate in html


def test_a_manager_of_another_gate_does_not_see_the_trucks(client, trip, token_client, gate):
    from cuakhau.accounts.roles import Role

    token_client.post(
        "/api/v1/positions/", fix(trip.vehicle.plate, timezone.now(), offset(gate, 0, -12)), format="json"
    )
    elsewhere = factories.staff_user(Role.GATE_MANAGER, gates=["CHI_MA"])
    client.force_login(elsewhere)
    assert client.get("/dashboard/HUU_NGHI/").status_code == 404
    assert trip.vehicle.plate not in client.get("/dashboard/").content.decode()


def test_the_wait_estimate_counts_trucks_expected_before_this_one(token_client, trip, company, owner, gate):
    """Yard empty; the partner side accepts 120 today over the hours the gate's slots cover (at
    least 10 an hour). Two trucks en route arrive in 20 minutes, ours in 2 h: 2 ahead on arrival,
    less at least 20 released meanwhile = nobody ahead."""
    PartnerAcceptance.objects.create(gate=gate, date=timezone.localdate(), accepted=120)
    before = [
        queueing_services.booking_create(
            declaration=make_declaration(company), slot=make_slot(gate, hours_ahead=1), actor=owner
        )
        for _ in range(2)
    ]
    now = timezone.now()
    token_client.post(
        "/api/v1/positions/",
        [fix(b.vehicle.plate, now, offset(gate, 0, -16), speed=60) for b in before]  # 20 km: 20 min
        + [fix(trip.vehicle.plate, now, offset(gate, 0, -96), speed=60)],  # 120 km: 2 h
        format="json",
    )
    estimate = wait_estimate(gate, trip)
    assert estimate.arriving == 2
    assert estimate.arrives_at is not None
    assert estimate.arrives_at >= trip.slot_start - dt.timedelta(minutes=gate.early_margin_minutes)
    # Without the releases meanwhile it would be 2 ahead; over 2 h at ~5/h they are gone.
    assert estimate.ahead == 0


def test_the_wait_estimate_of_a_truck_far_behind_a_queue_on_the_road(
    token_client, trip, company, owner, gate
):
    """No partner figure and nobody called: no rate, so nothing is released meanwhile and the
    trucks expected first all count as ahead."""
    before = [
        queueing_services.booking_create(
            declaration=make_declaration(company), slot=make_slot(gate, hours_ahead=1), actor=owner
        )
        for _ in range(3)
    ]
    now = timezone.now()
    token_client.post(
        "/api/v1/positions/",
        [fix(b.vehicle.plate, now, offset(gate, 0, -16), speed=60) for b in before]
        + [fix(trip.vehicle.plate, now, offset(gate, 0, -96), speed=60)],
        format="json",
    )
    estimate = wait_estimate(gate, trip)
    assert (estimate.arriving, estimate.ahead, estimate.minutes) == (3, 3, None)


def test_the_demo_has_a_truck_en_route_to_huu_nghi_once(capsys):
    from django.core.management import call_command

    from queueing.tracking.models import TripEstimate

    call_command("seed_demo")
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert out.count("en route to Hữu Nghị") == 1
    [estimate] = TripEstimate.objects.all()
    assert estimate.late is False
    assert Position.objects.filter(booking_id=estimate.booking_id).count() == 11
    # 58 km − 50 km/h × 10 min ≈ 49.7 km due south (and 5 km west): ~62 km by road at 50 km/h.
    assert 60 < estimate.road_km < 64
