"""On a phone (390 px wide), in Chromium: no element of the portal's main pages is wider than the
screen — a declaration's page, with its cargo, fee and booking, reads without horizontal scroll;
cargo lines and slot rows say what each value is."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from declarations import services
from declarations.fees.services import fee_assess
from queueing import services as queue
from tests import factories
from tests.queueing.conftest import make_slot

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}

# Every element whose box pokes out of the viewport, or any horizontal scroll of the page.
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  for (const el of document.querySelectorAll("body *")) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    if (box.right > width + 0.5 || box.left < -0.5 || box.width > width + 0.5) {
      out.push(`${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}.${el.className}`
               + ` [${Math.round(box.left)}..${Math.round(box.right)}] ${(el.textContent || "").trim().slice(0, 40)}`);
    }
  }
  if (document.documentElement.scrollWidth > width) out.push(`page scrolls to ${document.documentElement.scrollWidth}px`);
  return out;
}"""


@pytest.fixture
def story(owner, company, gate):  # type: ignore[no-untyped-def]
    """A declaration with long texts (cargo, account name), its fee, a booking and a notification."""
    gate.bank_account = "0011001234567890123"
    gate.bank_account_name = "BAN QUAN LY CUA KHAU QUOC TE HUU NGHI TINH LANG SON CHI NHANH DONG DANG"
    gate.save()
    vehicle = factories.VehicleFactory(company=company, plate="29LD-012.34")
    driver = factories.DriverFactory(company=company, full_name="Nguyễn Thị Phương Thảo Hoàng Anh")
    declaration = services.declaration_create(
        actor=owner,
        vehicle=vehicle,
        driver=driver,
        gate="HUU_NGHI",
        direction="export",
        planned_date=timezone.localdate() + dt.timedelta(days=1),
        cargo_lines=[
            {
                "description": "Thanh long ruột đỏ loại một đóng thùng carton xuất khẩu (dragon fruit, red flesh)",
                "hs_code": "0810905000",
                "quantity": "12500.5",
                "unit": "kilogram",
                "gross_kg": "13750.25",
                "value": "18000",
                "origin": "VN",
                "perishable": True,
            }
        ],
        containers=[{"number": "CSQU3054383", "size_ft": 40}],
    )
    services.declaration_submit(actor=owner, declaration=declaration)
    fee_assess(declaration=declaration)
    slot = make_slot(gate)
    booking = queue.booking_create(declaration=declaration, slot=slot, actor=owner)
    return {"declaration": declaration, "booking": booking, "slot": slot}


def test_no_element_of_the_main_pages_is_wider_than_a_phone(chromium, live_server, client, owner, story):
    declaration, booking, slot = story["declaration"], story["booking"], story["slot"]
    client.force_login(owner)
    day = timezone.localtime(slot.start).date().isoformat()
    pages = [
        "/portal/",
        "/portal/declarations/",
        f"/portal/declarations/{declaration.pk}/",
        "/portal/declarations/new/",
        f"/portal/declarations/{declaration.pk}/fee/",
        "/portal/bookings/",
        f"/portal/bookings/slots/?gate=HUU_NGHI&direction=export&date={day}&declaration={declaration.pk}",
        f"/portal/bookings/{booking.pk}/",
        "/portal/notifications/",
        "/portal/vehicles/",
        "/portal/drivers/",
    ]
    problems = {}
    for locale in ("vi-VN", "en-US", "zh-CN"):
        context = chromium.new_context(viewport=PHONE, locale=locale, device_scale_factor=1)
        context.add_cookies(
            [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
        )
        page = context.new_page()
        page.set_default_timeout(15_000)
        for path in pages:
            response = page.goto(f"{live_server.url}{path}")
            assert response.ok, path
            found = page.evaluate(OVERFLOW)
            if found:
                problems[f"{locale} {path}"] = found[:8]
        # The probe itself sees a too-wide element (else this test could pass on anything).
        page.evaluate(
            "() => { const d = document.createElement('div'); d.id = 'wide'; d.style.width = '600px';"
            " d.textContent = 'x'; document.querySelector('main').appendChild(d); }"
        )
        assert any(item.startswith("div#wide") for item in page.evaluate(OVERFLOW))
        context.close()
    assert problems == {}


def test_cargo_lines_and_slot_rows_say_what_each_value_is_on_a_phone(
    chromium, live_server, client, owner, story
):
    declaration, slot = story["declaration"], story["slot"]
    client.force_login(owner)
    context = chromium.new_context(viewport=PHONE, locale="en-US")
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/portal/declarations/{declaration.pk}/")
    label = page.evaluate(
        "() => getComputedStyle(document.querySelector('td[data-label=\"HS code\"]'), '::before').content"
    )
    assert label == '"HS code: "'
    day = timezone.localtime(slot.start).date().isoformat()
    page.goto(f"{live_server.url}/portal/bookings/slots/?gate=HUU_NGHI&direction=export&date={day}")
    label = page.evaluate(
        "() => getComputedStyle(document.querySelector('#slots td[data-label=\"Places left\"]'), '::before').content"
    )
    assert label == '"Places left: "'
    context.close()
