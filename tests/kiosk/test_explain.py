"""On PostgreSQL with a realistic history, every lookup of a scan is an index lookup."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from queueing.kiosk.models import GateEvent
from queueing.kiosk.services import device_for_key, kiosk_scan
from queueing.models import Booking, Slot

from .conftest import make_booking

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

HISTORY = 20_000


@pytest.fixture
def busy_gate(gate):  # type: ignore[no-untyped-def]
    """20k past bookings (one truck per plate, like a season of traffic) and 20k gate events."""
    template = make_booking(plate="12C-999.99", state="departed", declaration_state="completed")
    start = timezone.now() - dt.timedelta(days=60)
    slots = Slot.objects.bulk_create(
        Slot(
            gate=gate,
            direction="export",
            start=start + dt.timedelta(hours=h),
            end=start + dt.timedelta(hours=h + 1),
            capacity=500,
        )
        for h in range(1, 60 * 24, 3)
    )
    Booking.objects.bulk_create(
        Booking(
            declaration_id=template.declaration_id,
            slot=slots[i % len(slots)],
            gate=gate,
            company_id=template.company_id,
            vehicle_id=template.vehicle_id,
            plate_canonical=f"{11 + i % 80:02d}C{i:05d}",
            slot_start=slots[i % len(slots)].start,
            state="departed",
            ticket=f"CK1-HIST{i:012d}",
            checked_in_at=slots[i % len(slots)].start,
            called_at=slots[i % len(slots)].start,
            departed_at=slots[i % len(slots)].start,
        )
        for i in range(HISTORY)
    )
    GateEvent.objects.bulk_create(
        GateEvent(
            gate=gate,
            raw=f"12C{i:05d}",
            plate_canonical=f"12C{i:05d}",
            verdict="deny",
            reason_code="no_booking",
        )
        for i in range(HISTORY)
    )
    for _ in range(30):
        make_booking(state="in_yard")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return gate


def plans(queries: list[dict]) -> list[tuple[str, str]]:
    out = []
    with connection.cursor() as cursor:
        for query in queries:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            cursor.execute("EXPLAIN " + sql)
            out.append((sql, "\n".join(row[0] for row in cursor.fetchall())))
    return out


def test_every_lookup_of_a_scan_uses_an_index(busy_gate):
    booking = make_booking(plate="12C-123.45", state="in_yard", fee=200_000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE queueing_booking")
    for read in ["12C-123.45", booking.ticket, "12C-I23.45"]:  # plate, ticket, misread
        with CaptureQueriesContext(connection) as captured:
            kiosk_scan(gate=busy_gate, raw=read)
        explained = plans(captured.captured_queries)
        assert explained, "the scan made no SELECT"
        for sql, plan in explained:
            # The big tables are read through an index; a table of a few rows (the fee of a
            # truck in the yard, here one row) is rightly scanned by the planner.
            if "queueing_booking" in sql or "kiosk_gateevent" in sql:
                assert "Index" in plan, f"{read}: {sql}\n{plan}"
            assert "Seq Scan on queueing_booking" not in plan, f"{read}: {sql}\n{plan}"
            assert "Seq Scan on kiosk_gateevent" not in plan, f"{read}: {sql}\n{plan}"


def test_the_device_key_lookup_uses_its_unique_index(gate):
    from queueing.kiosk.models import Device
    from queueing.kiosk.services import device_create

    Device.objects.bulk_create(
        Device(gate=gate, lane=str(i), key_prefix=f"{i:08x}", key_hash="0" * 64) for i in range(5000)
    )
    _device, key = device_create(gate=gate, lane="1")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE kiosk_device")
    with CaptureQueriesContext(connection) as captured:
        assert device_for_key(key) is not None
    ((sql, plan),) = plans(captured.captured_queries)
    assert "Index Scan using kiosk_device_key_prefix" in plan, plan
