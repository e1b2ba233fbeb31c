"""In Chromium with a faked position: the "I am driving" page asks for consent, then sends the
browser's geolocation and shows the trip's estimate without a reload."""

from __future__ import annotations

import pytest

from queueing.tracking.models import Position

from .conftest import offset

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]


def test_the_driving_page_sends_the_faked_position_after_consent(
    chromium, live_server, client, owner, trip, gate
):
    lat, lon = offset(gate, 0, -24)  # 24 km south of Hữu Nghị: 30 km by road
    client.force_login(owner)
    context = chromium.new_context(
        locale="en-US",
        geolocation={"latitude": lat, "longitude": lon, "accuracy": 15},
        permissions=["geolocation"],
    )
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}/portal/driving/{trip.pk}/")
    # Nothing is asked of the browser before the driver agrees.
    assert page.locator("#agree").is_visible()
    assert Position.objects.count() == 0
    page.locator("#agree").click()
    page.wait_for_selector("#sharing-status")
    page.wait_for_function(
        "document.getElementById('sharing-status').textContent.indexOf('Position sent at') === 0"
    )
    assert "about 30 km by road" in page.locator("#trip-distance").inner_text()
    row = Position.objects.get(booking=trip)
    assert (row.source, round(row.lat, 5), round(row.lon, 5)) == ("phone", round(lat, 5), round(lon, 5))
    assert row.accuracy_m == 15
    assert errors == []
    context.close()
