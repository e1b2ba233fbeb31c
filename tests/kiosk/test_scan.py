"""kiosk_scan and kiosk_action: lookups, fuzzy candidates, gate events, query counts, actions."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from cuakhau.errors import Conflict, DomainError, NotAllowed, NotFound
from cuakhau.transitions.models import AppendOnlyError
from queueing.kiosk.models import GateEvent
from queueing.kiosk.services import kiosk_action, kiosk_scan

from .conftest import make_booking

pytestmark = pytest.mark.django_db


# --- lookups ---------------------------------------------------------------------------------
def test_an_exact_plate_finds_its_booking_however_it_is_typed(gate):
    booking = make_booking(plate="12C-123.45")
    for read in ["12C-123.45", "12c 12345", "12C.123.45", "１２Ｃ－１２３．４５"]:
        result = kiosk_scan(gate=gate, raw=read)
        assert result.booking == booking, read
        assert (result.verdict.verdict, result.verdict.action) == ("allow", "admit")
        assert result.candidates == []


def test_a_ticket_read_by_the_scanner_finds_its_booking(gate):
    booking = make_booking()
    result = kiosk_scan(gate=gate, raw=booking.ticket)
    assert result.booking == booking
    assert (result.verdict.verdict, result.verdict.action) == ("allow", "admit")
    assert result.event.ticket == booking.ticket
    assert result.event.plate_canonical == booking.plate_canonical


def test_a_ticket_read_in_lower_case_still_matches(gate):
    booking = make_booking()
    assert kiosk_scan(gate=gate, raw=booking.ticket.lower()).booking == booking
    assert kiosk_scan(gate=gate, ticket=booking.ticket.lower()).booking == booking


def test_a_ticket_sent_as_ticket_with_the_cameras_plate_is_cross_checked(gate):
    booking = make_booking(plate="12C-111.11")
    assert kiosk_scan(gate=gate, ticket=booking.ticket, raw="12C-111.11").verdict.verdict == "allow"
    fraud = kiosk_scan(gate=gate, ticket=booking.ticket, raw="29LD-012.34")
    assert (fraud.verdict.verdict, fraud.verdict.reason_code) == ("deny", "ticket_plate_mismatch")
    assert fraud.event.flags == ["possible_fraud"]
    assert fraud.event.plate_canonical == "29LD01234"


def test_an_unknown_ticket_is_denied_without_guessing_plates(gate):
    make_booking()
    result = kiosk_scan(gate=gate, raw="CK1-AAAAAAAAAAAAAAAA")
    assert (result.verdict.verdict, result.verdict.reason_code) == ("deny", "unknown_ticket")
    assert result.candidates == []


def test_an_empty_read_is_refused(gate):
    with pytest.raises(DomainError):
        kiosk_scan(gate=gate, raw="  ")


def test_the_truck_in_the_yard_wins_over_its_next_trip(gate):
    now = timezone.now()
    in_yard = make_booking(plate="12C-555.55", state="in_yard")
    # the same truck's next trip tomorrow, through a second declaration
    make_booking(plate="12C-555.55", slot_start=now + dt.timedelta(days=1))
    assert kiosk_scan(gate=gate, raw="12C-555.55").booking == in_yard


def test_a_truck_that_crossed_today_is_told_so_by_plate_and_by_ticket(gate, gate_staff):
    booking = make_booking(plate="12C-777.77", state="called")
    scan = kiosk_scan(gate=gate, raw="12C-777.77", staff=gate_staff)
    kiosk_action(event_id=scan.event.pk, action="exit", staff=gate_staff)
    for read in ["12C-777.77", booking.ticket]:
        result = kiosk_scan(gate=gate, raw=read)
        assert result.booking == booking
        assert (result.verdict.verdict, result.verdict.reason_code) == ("deny", "already_departed")


def test_a_truck_that_crossed_last_week_has_no_booking_today(gate, gate_staff):
    make_booking(plate="12C-777.77", state="called")
    scan = kiosk_scan(gate=gate, raw="12C-777.77", staff=gate_staff)
    kiosk_action(event_id=scan.event.pk, action="exit", staff=gate_staff)
    with time_machine.travel(timezone.now() + dt.timedelta(days=7)):
        assert kiosk_scan(gate=gate, raw="12C-777.77").verdict.reason_code == "no_booking"


# --- fuzzy candidates ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("booked", "country", "read"),
    [
        ("12C-123.45", "VN", "12C-I23.45"),  # 1 → I
        ("12C-123.45", "VN", "12C-123.4S"),  # 5 → S
        ("12C-123.45", "VN", "12C-1Z3.45"),  # 2 → Z
        ("29LD-018.88", "VN", "29LD-018.8B"),  # 8 → B
        ("51D-012.34", "VN", "51D-O12.34"),  # 0 → O
        ("51D-012.34", "VN", "51D-Q12.34"),  # 0 → Q
        ("51D-012.34", "VN", "5lD-012.34"),  # 1 → l
        ("12C-123.45", "VN", "12C-1234"),  # a digit lost
        ("12C-123.45", "VN", "12C-123.456"),  # a digit too many
        ("12C-123.45", "VN", "12C-123.46"),  # any other character
        ("桂A·12345", "CN", "桂A·I2345"),  # 1 → I on a Chinese plate
        ("桂A·12345", "CN", "贵A·12345"),  # the province glyph misread
        ("桂A·12345", "CN", "A12345"),  # the province glyph missed
    ],
)
def test_a_misread_plate_offers_the_booked_truck_for_staff_to_confirm(gate, booked, country, read):
    booking = make_booking(plate=booked, country=country)
    result = kiosk_scan(gate=gate, raw=read)
    assert result.booking is None
    assert result.candidates[0] == booking.vehicle.plate
    assert (result.verdict.verdict, result.verdict.action) == ("check", None)
    assert result.event.candidates == result.candidates
    assert result.event.booking is None


def test_candidates_rank_the_common_ocr_confusion_first(gate):
    make_booking(plate="12C-123.46")
    make_booking(plate="12C-123.45")
    result = kiosk_scan(gate=gate, raw="12C-123.4S")
    assert result.candidates == ["12C-123.45", "12C-123.46"]


def test_plates_two_edits_away_are_not_offered(gate):
    make_booking(plate="12C-123.45")
    result = kiosk_scan(gate=gate, raw="12C-I23.4S")
    assert result.candidates == []
    assert result.verdict.reason_code == "no_booking"


def test_confirming_a_candidate_rescans_the_exact_plate(gate):
    booking = make_booking(plate="12C-123.45")
    fuzzy = kiosk_scan(gate=gate, raw="12C-I23.45")
    confirmed = kiosk_scan(gate=gate, raw=fuzzy.candidates[0])
    assert confirmed.booking == booking
    assert confirmed.verdict.verdict == "allow"


def test_an_action_on_a_fuzzy_scan_is_refused(gate, gate_staff):
    make_booking(plate="12C-123.45")
    fuzzy = kiosk_scan(gate=gate, raw="12C-I23.45", staff=gate_staff)
    with pytest.raises(Conflict):
        kiosk_action(event_id=fuzzy.event.pk, action="admit", staff=gate_staff)


# --- gate events -----------------------------------------------------------------------------
def test_every_scan_writes_a_gate_event_with_who_and_what(gate, gate_staff, device):
    booking = make_booking(plate="12C-123.45")
    kiosk_scan(gate=gate, raw="12c-123.45", staff=gate_staff, lane="2")
    kiosk_scan(gate=gate, raw="nothing here", device=device[0])
    staff_event, device_event = GateEvent.objects.order_by("id")
    assert (staff_event.raw, staff_event.plate_canonical, staff_event.staff, staff_event.lane) == (
        "12c-123.45",
        "12C12345",
        gate_staff,
        "2",
    )
    assert (staff_event.verdict, staff_event.action, staff_event.booking) == ("allow", "admit", booking)
    assert staff_event.reason
    assert (device_event.device, device_event.staff, device_event.lane) == (device[0], None, "1")
    assert device_event.verdict == "deny"


def test_gate_events_cannot_be_changed_or_deleted(gate):
    event = kiosk_scan(gate=gate, raw="12C-123.45").event
    event.verdict = "allow"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        GateEvent.objects.filter(pk=event.pk).delete()


# --- query counts ----------------------------------------------------------------------------
@pytest.fixture
def history(gate):  # type: ignore[no-untyped-def]
    """A busy truck's past: departed trips and hundreds of gate events."""
    for days in range(2, 12):
        make_booking(
            plate="12C-123.45",
            state="departed",
            declaration_state="completed",
            departed_at=timezone.now() - dt.timedelta(days=days),
        )
    for _ in range(5):
        make_booking(state="in_yard")
    GateEvent.objects.bulk_create(
        GateEvent(
            gate=gate, raw=f"12C-123.{i % 100:02d}", plate_canonical=f"12C123{i % 100:02d}", verdict="deny"
        )
        for i in range(500)
    )


@pytest.mark.parametrize(
    ("state", "read", "queries"),
    [
        ("confirmed", "12C-123.45", 2),  # the booking, the event
        ("in_yard", "12C-123.45", 3),  # the booking, its fee and queue place (one), the event
        ("called", "12C-123.45", 3),  # the booking, its fee, the event
        ("departed", "12C-123.45", 4),  # no live booking, no exit in the day, the candidates, the event
        ("confirmed", "ticket", 2),
        ("confirmed", "12C-I23.45", 4),  # fuzzy: no live booking, no exit, the candidates, the event
        ("confirmed", "29LD-999.99", 4),  # nothing: the same
    ],
)
def test_a_scan_costs_at_most_four_queries_whatever_the_history(
    gate, device, history, django_assert_num_queries, state, read, queries
):
    booking = make_booking(plate="12C-123.45", state=state, fee=100_000)
    read = booking.ticket if read == "ticket" else read
    with django_assert_num_queries(queries):
        kiosk_scan(gate=gate, raw=read, device=device[0])


# --- actions ---------------------------------------------------------------------------------
def test_the_whole_yard_journey_runs_on_scans_and_their_actions(gate, gate_staff):
    booking = make_booking(plate="12C-123.45", channel="red", fee=300_000)
    steps = [("admit", "in_yard"), ("inspect", "inspection"), ("inspect", "in_yard")]
    for action, state in steps:
        scan = kiosk_scan(gate=gate, raw="12C-123.45", staff=gate_staff)
        assert scan.verdict.action == action
        result = kiosk_action(event_id=scan.event.pk, action=action, staff=gate_staff)
        assert result.booking.state == state
        assert result.event.state_after == state and result.event.scan == scan.event

    unpaid = kiosk_scan(gate=gate, raw="12C-123.45", staff=gate_staff)
    assert (unpaid.verdict.reason_code, unpaid.verdict.action) == ("fee_unpaid", None)
    fee = booking.declaration.fee
    from django.db import transaction

    from cuakhau.transitions.services import fire

    with transaction.atomic():
        fire(fee, "mark_paid")

    for action, state in [("release", "called"), ("exit", "departed")]:
        scan = kiosk_scan(gate=gate, raw="12C-123.45", staff=gate_staff)
        assert scan.verdict.action == action
        assert kiosk_action(event_id=scan.event.pk, action=action, staff=gate_staff).booking.state == state
    booking.refresh_from_db()
    assert booking.state == "departed"
    assert booking.declaration.state == "completed"


def test_a_scan_allows_one_action_once(gate, gate_staff):
    make_booking(plate="12C-123.45")
    scan = kiosk_scan(gate=gate, raw="12C-123.45", staff=gate_staff)
    kiosk_action(event_id=scan.event.pk, action="admit", staff=gate_staff)
    with pytest.raises(Conflict):
        kiosk_action(event_id=scan.event.pk, action="admit", staff=gate_staff)
    refused = GateEvent.objects.filter(reason_code="action_refused").get()
    assert refused.scan == scan.event and refused.verdict == "deny"


def test_a_repeated_inspect_on_one_scan_does_not_record_the_inspection_as_passed(gate, gate_staff):
    # Sending to inspection and recording its result are both "inspect": a double press or a
    # client retry of the same scan must not pass an inspection nobody made.
    booking = make_booking(plate="12C-123.45", state="in_yard", channel="red")
    scan = kiosk_scan(gate=gate, raw="12C-123.45", staff=gate_staff)
    assert (
        kiosk_action(event_id=scan.event.pk, action="inspect", staff=gate_staff).booking.state == "inspection"
    )
    with pytest.raises(Conflict):
        kiosk_action(event_id=scan.event.pk, action="inspect", staff=gate_staff)
    booking.refresh_from_db()
    assert (booking.state, booking.inspection_passed_at) == ("inspection", None)


def test_an_action_the_verdict_did_not_allow_is_refused(gate, gate_staff):
    booking = make_booking(plate="12C-123.45")
    scan = kiosk_scan(gate=gate, raw="12C-123.45", staff=gate_staff)
    with pytest.raises(Conflict):
        kiosk_action(event_id=scan.event.pk, action="release", staff=gate_staff)
    booking.refresh_from_db()
    assert booking.state == "confirmed"


def test_an_action_is_rechecked_against_what_changed_since_the_scan(gate, gate_staff):
    booking = make_booking(plate="12C-123.45", declaration_state="under_review")
    scan = kiosk_scan(gate=gate, raw="12C-123.45", staff=gate_staff)
    from declarations.models import Declaration

    Declaration.objects.filter(pk=booking.declaration_id).update(state="rejected")
    with pytest.raises(Conflict):
        kiosk_action(event_id=scan.event.pk, action="admit", staff=gate_staff)
    booking.refresh_from_db()
    assert booking.state == "confirmed"


def test_an_old_scan_cannot_be_acted_on(gate, gate_staff):
    make_booking(plate="12C-123.45", slot_start=timezone.now() + dt.timedelta(minutes=30))
    scan = kiosk_scan(gate=gate, raw="12C-123.45", staff=gate_staff)
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=11)), pytest.raises(Conflict):
        kiosk_action(event_id=scan.event.pk, action="admit", staff=gate_staff)


def test_staff_of_another_gate_cannot_act_on_a_scan(gate, gate_staff):
    from cuakhau.accounts.roles import Role
    from tests import factories

    elsewhere = factories.staff_user(Role.GATE_STAFF, gates=["TAN_THANH"])
    make_booking(plate="12C-123.45")
    scan = kiosk_scan(gate=gate, raw="12C-123.45", staff=gate_staff)
    with pytest.raises(NotAllowed):
        kiosk_action(event_id=scan.event.pk, action="admit", staff=elsewhere)


def test_an_unknown_scan_is_not_found(gate_staff):
    with pytest.raises(NotFound):
        kiosk_action(event_id=999999, action="admit", staff=gate_staff)
