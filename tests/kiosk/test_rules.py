"""Every rule of the kiosk verdict (queueing/kiosk/rules.py), one test or table row each."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone, translation

from queueing.kiosk import rules
from queueing.kiosk.services import kiosk_scan
from queueing.models import Booking
from tests import factories

from .conftest import MORNING, make_booking

pytestmark = pytest.mark.django_db


def decide(booking, *, gate=None, now=None, **kwargs):  # type: ignore[no-untyped-def]
    return rules.verdict(
        gate=gate or booking.gate,
        booking=booking,
        declaration=booking.declaration,
        now=now or timezone.now(),
        **kwargs,
    )


def test_a_ticket_nobody_booked_is_denied(gate):
    v = rules.verdict(gate=gate, booking=None, declaration=None, now=timezone.now(), via_ticket=True)
    assert (v.verdict, v.reason_code, v.action) == ("deny", "unknown_ticket", None)


def test_a_plate_without_booking_today_is_denied(gate):
    v = rules.verdict(gate=gate, booking=None, declaration=None, now=timezone.now(), scanned_plate="12C12345")
    assert (v.verdict, v.reason_code, v.action) == ("deny", "no_booking", None)


def test_a_near_miss_plate_asks_staff_to_confirm_and_never_allows(gate):
    v = rules.verdict(
        gate=gate, booking=None, declaration=None, now=timezone.now(), candidates=["12C-123.45"]
    )
    assert (v.verdict, v.reason_code, v.action) == ("check", "plate_unsure", None)
    assert "fuzzy_read" in v.flags


def test_a_ticket_shown_by_another_truck_is_denied_and_flagged_as_possible_fraud():
    booking = make_booking(plate="12C-111.11")
    v = decide(booking, via_ticket=True, scanned_plate="12C-999.99")
    assert (v.verdict, v.reason_code, v.action) == ("deny", "ticket_plate_mismatch", None)
    assert "possible_fraud" in v.flags
    assert "12C11111" in v.reason and "12C99999" in v.reason


def test_a_ticket_shown_by_its_own_truck_is_fine():
    booking = make_booking(plate="12C-111.11")
    v = decide(booking, via_ticket=True, scanned_plate="12c 111 11")
    assert (v.verdict, v.action) == ("allow", "admit")


def test_a_truck_booked_at_another_gate_is_denied(gate):
    booking = make_booking(gate=factories.gate("TAN_THANH"))
    v = decide(booking, gate=gate)
    assert (v.verdict, v.reason_code) == ("deny", "wrong_gate")
    assert "TAN_THANH" in v.reason


def test_a_truck_at_a_lane_of_the_other_direction_is_denied():
    booking = make_booking(direction="export")
    with translation.override("en"):
        v = decide(booking, lane_direction="import")
        assert (v.verdict, v.reason_code) == ("deny", "wrong_direction")
        assert v.reason == "Booked for Export, but this lane serves Import."


def test_a_direction_the_gate_does_not_serve_is_denied():
    coc_nam = factories.gate("COC_NAM")  # export and import only
    booking = make_booking(gate=coc_nam, direction="empty")
    assert decide(booking).reason_code == "wrong_direction"


@pytest.mark.parametrize(
    ("state", "reason"),
    [("departed", "already_departed"), ("cancelled", "booking_cancelled"), ("no_show", "no_show")],
)
def test_a_booking_that_is_over_is_denied(state, reason):
    booking = make_booking(state=state, declaration_state="completed" if state == "departed" else "cleared")
    v = decide(booking)
    assert (v.verdict, v.reason_code, v.action) == ("deny", reason, None)


@pytest.mark.parametrize(
    ("declaration_state", "reason"),
    [
        ("draft", "declaration_draft"),
        ("rejected", "declaration_rejected"),
        ("cancelled", "declaration_cancelled"),
        ("returned", "declaration_returned"),
        ("expired", "declaration_expired"),
        ("completed", "declaration_completed"),
    ],
)
@pytest.mark.parametrize("booking_state", ["confirmed", "in_yard"])
def test_a_declaration_that_cannot_cross_is_denied(declaration_state, reason, booking_state):
    booking = make_booking(state=booking_state, declaration_state=declaration_state)
    v = decide(booking)
    assert (v.verdict, v.reason_code, v.action) == ("deny", reason, None)


class TestYardEntryWindow:
    """Slot 11:00–12:00; the gate's early margin is 60 min and its grace 30 min: 10:00–12:30."""

    @pytest.fixture
    def booking(self, gate):  # type: ignore[no-untyped-def]
        assert (gate.early_margin_minutes, gate.grace_minutes) == (60, 30)
        return make_booking(slot_start=MORNING + dt.timedelta(hours=2))

    @pytest.mark.parametrize(
        ("clock", "verdict", "reason"),
        [
            ("09:59", "deny", "too_early"),
            ("10:00", "allow", "admit"),
            ("11:30", "allow", "admit"),
            ("12:30", "allow", "admit"),
            ("12:31", "deny", "too_late"),
        ],
    )
    def test_the_window_decides_yard_entry(self, booking, gate, clock, verdict, reason):
        hour, minute = map(int, clock.split(":"))
        with time_machine.travel(MORNING.replace(hour=hour, minute=minute), tick=False):
            result = kiosk_scan(gate=gate, raw=booking.vehicle.plate)
        assert (result.verdict.verdict, result.verdict.reason_code) == (verdict, reason)
        assert result.verdict.action == ("admit" if verdict == "allow" else None)

    def test_too_early_says_when_entry_opens(self, booking, gate):
        with time_machine.travel(MORNING, tick=False), translation.override("en"):
            result = kiosk_scan(gate=gate, raw=booking.vehicle.plate)
        assert "10:00" in result.verdict.reason

    def test_too_late_says_when_entry_closed(self, booking, gate):
        with time_machine.travel(MORNING + dt.timedelta(hours=5), tick=False), translation.override("en"):
            result = kiosk_scan(gate=gate, raw=booking.vehicle.plate)
        assert "12:30" in result.verdict.reason


@pytest.mark.parametrize("declaration_state", ["submitted", "under_review"])
def test_a_truck_waiting_for_clearance_may_enter_the_yard(declaration_state):
    v = decide(make_booking(declaration_state=declaration_state))
    assert (v.verdict, v.reason_code, v.action) == ("allow", "admit_pending_clearance", "admit")


def test_a_cleared_truck_in_its_window_is_admitted():
    v = decide(make_booking())
    assert (v.verdict, v.reason_code, v.action) == ("allow", "admit", "admit")


def test_an_unpaid_fee_does_not_stop_yard_entry():
    v = decide(make_booking(fee=1_200_000))
    assert (v.verdict, v.action) == ("allow", "admit")


def test_a_red_channel_truck_in_the_yard_goes_to_inspection_first():
    v = decide(make_booking(state="in_yard", channel="red"))
    assert (v.verdict, v.reason_code, v.action) == ("check", "inspection_needed", "inspect")
    assert "red_channel" in v.flags


def test_a_truck_the_gate_picked_for_inspection_goes_there_whatever_its_channel():
    v = decide(make_booking(state="in_yard", channel="green", inspection_required=True))
    assert (v.reason_code, v.action) == ("inspection_needed", "inspect")


def test_a_truck_at_inspection_waits_for_its_result_to_be_recorded():
    v = decide(make_booking(state="inspection", channel="red"))
    assert (v.verdict, v.reason_code, v.action) == ("check", "at_inspection", "inspect")


def test_a_red_channel_truck_that_passed_inspection_is_released():
    v = decide(make_booking(state="in_yard", channel="red", inspection_passed=True))
    assert (v.verdict, v.reason_code, v.action) == ("allow", "release", "release")


@pytest.mark.parametrize("declaration_state", ["submitted", "under_review"])
def test_a_truck_in_the_yard_is_not_released_before_clearance(declaration_state):
    v = decide(make_booking(state="in_yard", declaration_state=declaration_state))
    assert (v.verdict, v.reason_code, v.action) == ("check", "waiting_clearance", None)


def test_a_cleared_truck_in_the_yard_is_released_to_the_lane():
    v = decide(make_booking(state="in_yard"))
    assert (v.verdict, v.reason_code, v.action) == ("allow", "release", "release")


def test_an_unpaid_fee_stops_the_release_and_shows_the_amount():
    booking = make_booking(state="in_yard", fee=1_200_000)
    with translation.override("en"):
        v = decide(booking)
        reason = v.reason
    assert (v.verdict, v.reason_code, v.action) == ("check", "fee_unpaid", None)
    assert v.params["amount_vnd"] == 1_200_000
    # Amounts are written one way in every language: grouped with dots, as on receipts (cuakhau/money.py).
    assert "1.200.000 VND" in reason
    assert "fee_unpaid" in v.flags


def test_a_paid_fee_lets_the_truck_go():
    v = decide(make_booking(state="in_yard", fee=1_200_000, fee_state="paid"))
    assert (v.verdict, v.action) == ("allow", "release")


def test_a_called_truck_at_the_lane_exits():
    v = decide(make_booking(state="called"))
    assert (v.verdict, v.reason_code, v.action) == ("allow", "exit", "exit")


def test_a_called_truck_with_an_unpaid_fee_is_checked_at_the_lane():
    v = decide(make_booking(state="called", fee=500_000))
    assert (v.verdict, v.reason_code, v.action) == ("check", "fee_unpaid", None)


def test_every_reason_has_a_message():
    codes = {
        "unknown_ticket",
        "no_booking",
        "plate_unsure",
        "ticket_plate_mismatch",
        "wrong_gate",
        "wrong_direction",
        "booking_cancelled",
        "no_show",
        "already_departed",
        "too_early",
        "too_late",
        "admit_pending_clearance",
        "admit",
        "inspection_needed",
        "at_inspection",
        "waiting_clearance",
        "fee_unpaid",
        "release",
        "exit",
    }
    assert codes <= set(rules.REASONS)


# --- the whole verdict, not just its code: flags, params and the message staff read -------------
RED_PERISHABLE = ("perishable", "red_channel")


def test_a_declaration_without_its_booking_is_no_booking(gate):
    booking = make_booking()
    v = rules.verdict(gate=gate, booking=None, declaration=booking.declaration, now=timezone.now())
    # The denial repeats what was read (params); here nothing was read.
    assert (v.verdict, v.reason_code, v.action, v.flags) == ("deny", "no_booking", None, ())


def test_a_ticket_read_without_a_plate_is_not_taken_for_fraud():
    v = decide(make_booking(plate="12C-111.11"), via_ticket=True)
    assert v.reason_code != "ticket_plate_mismatch" and "possible_fraud" not in v.flags


@pytest.mark.parametrize(
    ("perishable", "channel", "flags"),
    [
        (False, "green", ()),
        (True, "green", ("perishable",)),
        (False, "red", ("red_channel",)),
        (True, "red", RED_PERISHABLE),
    ],
)
def test_the_flags_say_perishable_and_red_channel(perishable, channel, flags):
    v = decide(make_booking(state="in_yard", perishable=perishable, channel=channel, inspection_passed=True))
    assert v.flags == flags


@pytest.mark.parametrize(
    ("make", "decide_kwargs", "reason"),
    [
        (dict(gate_code="TAN_THANH"), {}, "wrong_gate"),
        ({}, dict(lane_direction="import"), "wrong_direction"),
        (dict(state="cancelled"), {}, "booking_cancelled"),
        (dict(state="no_show"), {}, "no_show"),
        (dict(state="departed", declaration_state="completed"), {}, "already_departed"),
        (dict(declaration_state="rejected"), {}, "declaration_rejected"),
        (dict(slot_start=MORNING + dt.timedelta(hours=6)), dict(now=MORNING), "too_early"),
        (dict(slot_start=MORNING - dt.timedelta(hours=6)), dict(now=MORNING), "too_late"),
    ],
)
def test_a_denial_keeps_the_trucks_flags(make, decide_kwargs, reason):
    make = dict(make)  # the parameters are shared between runs: never change them
    gate_code = make.pop("gate_code", None)
    booking = make_booking(
        perishable=True, channel="red", **({"gate": factories.gate(gate_code)} if gate_code else {}), **make
    )
    v = decide(booking, gate=factories.gate("HUU_NGHI"), **decide_kwargs)
    assert (v.verdict, v.reason_code, v.action, v.flags) == ("deny", reason, None, RED_PERISHABLE)


def test_a_truck_waiting_for_clearance_is_admitted_with_its_flags():
    v = decide(make_booking(declaration_state="submitted", perishable=True, channel="red"))
    assert v == rules.Verdict("allow", "admit_pending_clearance", "admit", RED_PERISHABLE)


def test_a_departed_truck_is_told_when_it_left_in_the_gates_time():
    booking = make_booking(state="departed", declaration_state="completed", departed_at=MORNING)
    with translation.override("en"):
        assert decide(booking).reason == "Already departed at 09:00 10/03."
        shanghai = factories.gate("HUU_NGHI")
        shanghai.timezone = "Asia/Shanghai"  # the same instant, shown on a gate one hour ahead
        v = decide(booking, gate=shanghai)
        assert v.params == {"time": "10:00 10/03"}
        assert v.reason == "Already departed at 10:00 10/03."


def test_a_departure_without_a_time_shows_a_dash():
    booking = make_booking(state="departed", declaration_state="completed", departed_at=None)
    assert decide(booking).params == {"time": "-"}


def test_entry_times_are_shown_in_the_gates_time():
    booking = make_booking(slot_start=MORNING + dt.timedelta(hours=6))  # 15:00, entry opens 14:00
    v = decide(booking, now=MORNING)
    assert v == rules.Verdict("deny", "too_early", None, (), {"time": "14:00 10/03"})
    v = decide(booking, now=MORNING + dt.timedelta(hours=8))  # closes 16:30
    assert v == rules.Verdict("deny", "too_late", None, (), {"time": "16:30 10/03"})


def test_a_direction_the_gate_does_not_serve_names_no_lane_direction():
    booking = make_booking(gate=factories.gate("COC_NAM"), direction="empty")
    with translation.override("en"):
        assert decide(booking).reason == "Booked for Empty return, but this lane serves -."


# --- red channel at the lane: decided from the declaration, not from the booking's copy ---------
def test_a_called_truck_whose_declaration_is_red_and_not_inspected_is_checked_at_the_lane():
    booking = make_booking(state="called", channel="red")
    assert booking.inspection_required is False  # only the declaration says red
    v = decide(booking)
    assert v == rules.Verdict("check", "inspection_needed", None, ("red_channel",))


def test_a_called_red_channel_truck_that_passed_inspection_exits():
    v = decide(make_booking(state="called", channel="red", inspection_passed=True))
    assert v == rules.Verdict("allow", "exit", "exit", ("red_channel",))


def test_a_called_truck_the_gate_picked_for_inspection_is_checked_at_the_lane():
    v = decide(make_booking(state="called", channel="green", inspection_required=True))
    assert (v.verdict, v.reason_code, v.action) == ("check", "inspection_needed", None)


def test_a_called_truck_whose_clearance_was_withdrawn_waits():
    v = decide(make_booking(state="called", declaration_state="under_review"))
    assert v == rules.Verdict("check", "waiting_clearance", None, ())


def test_a_declaration_turned_red_in_the_yard_sends_the_truck_to_inspection():
    booking = make_booking(state="in_yard", channel="green")
    assert decide(booking).reason_code == "release"
    booking.declaration.channel = "red"
    assert decide(booking) == rules.Verdict("check", "inspection_needed", "inspect", ("red_channel",))


@pytest.mark.parametrize(
    ("state", "declaration_state", "extra", "expected"),
    [
        ("confirmed", "cleared", {}, ("allow", "admit", "admit")),
        ("in_yard", "under_review", {}, ("check", "waiting_clearance", None)),
        ("inspection", "cleared", {"inspection_required": True}, ("check", "at_inspection", "inspect")),
        ("in_yard", "cleared", {}, ("allow", "release", "release")),
        ("called", "under_review", {}, ("check", "waiting_clearance", None)),
        ("called", "cleared", {"inspection_required": True}, ("check", "inspection_needed", None)),
        ("called", "cleared", {}, ("allow", "exit", "exit")),
    ],
)
def test_every_verdict_carries_the_perishable_flag(state, declaration_state, extra, expected):
    booking = make_booking(state=state, declaration_state=declaration_state, perishable=True, **extra)
    assert decide(booking) == rules.Verdict(*expected, ("perishable",))


def test_a_booking_state_the_table_does_not_know_is_denied_with_its_flags():
    booking = make_booking(state="in_yard", perishable=True)
    Booking.objects.filter(pk=booking.pk).update(state="archived")  # e.g. a state added later
    booking = Booking.objects.get(pk=booking.pk)
    v = decide(booking)
    assert (v.verdict, v.reason_code, v.action, v.flags) == ("deny", "no_booking", None, ("perishable",))
    assert v.params["plate"] == booking.plate_canonical


@pytest.mark.parametrize(
    ("read", "limit", "shown"),
    [
        ("  12C-123.45 \n", 60, "12C-123.45"),  # one line, no edges
        ("12C\t 123\n\n45", 60, "12C 123 45"),  # any run of blanks is one space
        ("", 60, ""),
        (None, 60, ""),
        ("ABCDEFGHIJ", 10, "ABCDEFGHIJ"),  # exactly the limit: kept whole
        ("ABCDEFGHIJK", 10, "ABCDEFGHI…"),  # one over: cut to limit - 1 and an ellipsis
        ("X" * 61, None, "X" * 59 + "…"),  # the default limit is 60
        ("X" * 60, None, "X" * 60),
    ],
)
def test_a_read_is_shown_on_one_line_and_cut_to_its_limit(read, limit, shown):
    assert (rules._shorten(read) if limit is None else rules._shorten(read, limit)) == shown
