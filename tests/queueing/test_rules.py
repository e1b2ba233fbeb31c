"""The queueing rules (queueing/rules.py), each with values computed by hand."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from declarations.models import Declaration
from queueing import rules
from queueing.models import Booking
from tests.kiosk.conftest import make_booking
from vehicles.models import Gate

UTC = dt.UTC
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


def test_a_ticket_is_the_prefix_and_80_random_bits_in_base32():
    tickets = {rules.new_ticket() for _ in range(200)}
    assert len(tickets) == 200
    for ticket in tickets:
        assert re.fullmatch(r"CK1-[A-Z2-7]{16}", ticket)  # 10 bytes = 16 base32 characters, no padding


def test_a_gate_without_a_zone_uses_vietnam_time():
    assert rules.gate_zone(Gate(timezone="Asia/Shanghai")) == ZoneInfo("Asia/Shanghai")
    assert rules.gate_zone(Gate(timezone="")) == HANOI


def test_the_local_day_runs_from_midnight_to_midnight_at_the_gate():
    start, end = rules.local_day_bounds(Gate(timezone="Asia/Ho_Chi_Minh"), dt.date(2026, 3, 10))
    assert start == dt.datetime(2026, 3, 9, 17, 0, tzinfo=UTC)  # 00:00 at UTC+7
    assert end == dt.datetime(2026, 3, 10, 17, 0, tzinfo=UTC)
    start, _ = rules.local_day_bounds(Gate(timezone="Asia/Shanghai"), dt.date(2026, 3, 10))
    assert start == dt.datetime(2026, 3, 9, 16, 0, tzinfo=UTC)  # 00:00 at UTC+8


def test_the_local_date_of_a_moment_is_the_gates_calendar_day():
    gate = Gate(timezone="Asia/Ho_Chi_Minh")
    assert rules.local_date(gate, dt.datetime(2026, 3, 9, 16, 59, tzinfo=UTC)) == dt.date(2026, 3, 9)
    assert rules.local_date(gate, dt.datetime(2026, 3, 9, 17, 0, tzinfo=UTC)) == dt.date(2026, 3, 10)


@pytest.mark.parametrize(
    ("text", "day"),
    [("2026-03-10", dt.date(2026, 3, 10)), ("9999-12-30", dt.date(9999, 12, 30))],
)
def test_a_day_is_read_from_its_iso_form(text, day):
    assert rules.parse_day(text) == day


@pytest.mark.parametrize("text", ["9999-12-31", "2026-02-30", "10/03/2026", "", "today"])
def test_a_day_that_is_not_one_or_has_no_end_is_refused(text):
    with pytest.raises(ValueError):
        rules.parse_day(text)


def test_the_entry_window_opens_early_by_the_margin_and_closes_late_by_the_grace():
    gate = Gate(early_margin_minutes=60, grace_minutes=30)
    start = dt.datetime(2026, 3, 10, 4, 0, tzinfo=UTC)
    end = dt.datetime(2026, 3, 10, 5, 0, tzinfo=UTC)
    assert rules.entry_window(gate, start, end) == (
        dt.datetime(2026, 3, 10, 3, 0, tzinfo=UTC),
        dt.datetime(2026, 3, 10, 5, 30, tzinfo=UTC),
    )
    assert rules.entry_window(Gate(early_margin_minutes=15, grace_minutes=45), start, end) == (
        dt.datetime(2026, 3, 10, 3, 45, tzinfo=UTC),
        dt.datetime(2026, 3, 10, 5, 45, tzinfo=UTC),
    )


def test_a_booking_is_a_no_show_once_the_grace_after_its_slot_has_passed():
    gate = Gate(early_margin_minutes=60, grace_minutes=30)
    end = dt.datetime(2026, 3, 10, 5, 0, tzinfo=UTC)
    assert rules.no_show_after(gate, end) == dt.datetime(2026, 3, 10, 5, 30, tzinfo=UTC)


@pytest.mark.django_db
class TestReadyForTheLane:
    """Cleared, and inspected when the declaration is red or the gate asked for an inspection."""

    def ready(self, booking) -> bool:  # type: ignore[no-untyped-def]
        return Booking.objects.filter(rules.ready_for_lane_q(), pk=booking.pk).exists()

    @pytest.mark.parametrize(
        ("declaration_state", "channel", "inspection_required", "inspection_passed", "ready"),
        [
            ("cleared", "green", False, False, True),
            ("cleared", "yellow", False, False, True),
            ("under_review", "green", False, False, False),
            ("submitted", "green", False, False, False),
            ("cleared", "red", False, False, False),  # red on the declaration, not on the booking
            ("cleared", "red", False, True, True),
            ("cleared", "green", True, False, False),  # the gate picked it for inspection
            ("cleared", "green", True, True, True),
            ("under_review", "red", False, True, False),
        ],
    )
    def test_readiness(self, declaration_state, channel, inspection_required, inspection_passed, ready):
        booking = make_booking(
            state="in_yard",
            declaration_state=declaration_state,
            channel=channel,
            inspection_required=inspection_required,
            inspection_passed=inspection_passed,
        )
        assert self.ready(booking) is ready

    def test_a_declaration_turned_red_after_booking_needs_the_inspection(self):
        booking = make_booking(state="in_yard", channel="green")
        assert self.ready(booking)
        booking.declaration.channel = "red"
        booking.declaration.save(update_fields=["channel"])
        assert not self.ready(booking)
        Booking.objects.filter(pk=booking.pk).update(inspection_passed_at=timezone.now())
        assert self.ready(booking)


def test_the_local_date_follows_the_gates_own_zone():
    moment = dt.datetime(2026, 3, 9, 16, 30, tzinfo=UTC)  # 23:30 in Hà Nội, 00:30 in Shanghai
    assert rules.local_date(Gate(timezone="Asia/Ho_Chi_Minh"), moment) == dt.date(2026, 3, 9)
    assert rules.local_date(Gate(timezone="Asia/Shanghai"), moment) == dt.date(2026, 3, 10)


@pytest.mark.django_db
@pytest.mark.parametrize("channel", ["green", "yellow", "red"])
@pytest.mark.parametrize("inspection_required", [False, True])
@pytest.mark.parametrize("inspection_passed", [False, True])
def test_the_inspection_predicate_and_its_filter_agree(channel, inspection_required, inspection_passed):
    booking = make_booking(
        state="in_yard",
        declaration_state="cleared",
        channel=channel,
        inspection_required=inspection_required,
        inspection_passed=inspection_passed,
    )
    expected = (inspection_required or channel == "red") and not inspection_passed
    assert rules.needs_inspection(booking) is expected
    assert Booking.objects.filter(rules.needs_inspection_q(), pk=booking.pk).exists() is expected


def test_a_booking_of_a_red_declaration_starts_out_needing_an_inspection():
    assert rules.inspection_required_at_booking(Declaration(channel="red")) is True
    assert rules.inspection_required_at_booking(Declaration(channel="yellow")) is False
    assert rules.inspection_required_at_booking(Declaration(channel="green")) is False
