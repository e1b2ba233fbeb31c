"""The slot picker's table of places left is one template: the page includes it and the part URL
serves it alone every few seconds (htmx), for operators only, in the page's language."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from queueing import services
from tests.support.markup import element

from .conftest import make_declaration, make_slot

pytestmark = pytest.mark.django_db


def _no_token(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken" value=""', html)


def _query(slot, declaration) -> str:  # type: ignore[no-untyped-def]
    day = timezone.localtime(slot.start).date().isoformat()
    return f"gate=HUU_NGHI&direction=export&date={day}&declaration={declaration.pk}"


@pytest.mark.parametrize(
    ("language", "places_left"), [("en", "Places left"), ("vi", "Số chỗ còn lại"), ("zh-hans", "剩余名额")]
)
def test_the_part_is_the_pages_table_in_each_language(client, owner, company, gate, language, places_left):
    slot = make_slot(gate, capacity=3)
    declaration = make_declaration(company)
    client.force_login(owner)
    query = f"{_query(slot, declaration)}&lang={language}"
    page = client.get(f"/portal/bookings/slots/?{query}")
    part = client.get(f"/portal/bookings/slots/part/?{query}")
    assert part.status_code == 200 and "no-cache" in part["Cache-Control"]
    table = element(_no_token(page.content.decode()), "slots")
    assert table and table == element(_no_token(part.content.decode()), "slots")
    assert "<html" not in part.content.decode()
    assert f"<th>{places_left}</th>" in table
    assert (
        f'hx-get="/portal/bookings/slots/part/?{query.replace("&", "&amp;")}" hx-trigger="every 5s"' in table
    )
    # the forms in it come back to the page, never to the part
    assert f'name="next" value="/portal/bookings/slots/?{query.replace("&", "&amp;")}"' in table


def test_the_part_shows_places_drop_after_another_booking(client, owner, company, gate):
    slot = make_slot(gate, capacity=2)
    declaration = make_declaration(company)
    client.force_login(owner)
    url = f"/portal/bookings/slots/part/?{_query(slot, declaration)}&lang=en"
    assert '<td class="available" data-label="Places left">2</td>' in client.get(url).content.decode()
    services.booking_create(declaration=make_declaration(company), slot=slot, actor=owner)
    services.booking_create(declaration=make_declaration(company), slot=slot, actor=owner)
    html = client.get(url).content.decode()
    assert f'<tr data-slot="{slot.pk}" class="full">' in html
    assert '<td class="available" data-label="Places left">0</td>' in html
    assert "disabled" in html  # the book button; the waitlist form shows instead
    assert 'class="inline wait-form">' in html


def test_the_part_is_for_operators_like_the_page(client, owner, stranger, gate):
    anonymous = client.get("/portal/bookings/slots/part/")
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")
    client.force_login(stranger)  # signed in, no company: sent home to register one, as the page
    assert (
        client.get("/portal/bookings/slots/part/")["Location"]
        == client.get("/portal/bookings/slots/")["Location"]
    )
    client.force_login(owner)
    assert client.get("/portal/bookings/slots/part/").status_code == 200
    assert client.post("/portal/bookings/slots/part/").status_code == 405
