from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cuakhau.errors import Conflict, DomainError, NotFound
from cuakhau.notifications.models import Notification
from cuakhau.transitions.models import TransitionLog
from declarations.models import Declaration
from queueing import rules, services
from queueing.models import Booking, BookingState, Slot
from queueing.rules import TICKET_PREFIX
from tests import factories

from .conftest import make_declaration, make_slot

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("state", ["submitted", "under_review", "cleared"])
def test_a_live_declaration_books_a_future_slot_of_its_gate_and_direction(company, owner, gate, state):
    declaration = make_declaration(company, state=state)
    slot = make_slot(gate, capacity=3)
    booking = services.booking_create(declaration=declaration, slot=slot, actor=owner)
    slot.refresh_from_db()
    assert booking.state == BookingState.CONFIRMED
    assert slot.booked == 1
    assert booking.plate_canonical == declaration.vehicle.plate_canonical
    assert booking.ticket.startswith(TICKET_PREFIX) and booking.ticket.isascii() and len(booking.ticket) == 20
    assert Notification.objects.filter(
        event="booking.confirmed", recipient=owner, subject_id=booking.pk
    ).exists()


@pytest.mark.parametrize("state", ["draft", "returned", "rejected", "cancelled", "completed", "expired"])
def test_a_declaration_that_is_not_live_cannot_book(company, owner, gate, state):
    declaration = make_declaration(company, state=state)
    slot = make_slot(gate)
    with pytest.raises(Conflict) as err:
        services.booking_create(declaration=declaration, slot=slot, actor=owner)
    assert err.value.code == "declaration_not_bookable"
    slot.refresh_from_db()
    assert slot.booked == 0


def test_a_slot_of_another_direction_or_gate_is_refused(company, owner, gate):
    declaration = make_declaration(company)
    with pytest.raises(DomainError) as err:
        services.booking_create(
            declaration=declaration, slot=make_slot(gate, direction="import"), actor=owner
        )
    assert err.value.code == "wrong_slot"
    with pytest.raises(DomainError):
        services.booking_create(
            declaration=declaration, slot=make_slot(factories.gate("CHI_MA")), actor=owner
        )


def test_a_slot_that_started_or_is_closed_is_refused(company, owner, gate):
    declaration = make_declaration(company)
    with pytest.raises(Conflict) as err:
        services.booking_create(declaration=declaration, slot=make_slot(gate, hours_ahead=-0.5), actor=owner)
    assert err.value.code == "slot_past"
    closed = make_slot(gate, hours_ahead=30)
    Slot.objects.filter(pk=closed.pk).update(is_closed=True)
    with pytest.raises(Conflict) as err:
        services.booking_create(declaration=declaration, slot=closed, actor=owner)
    assert err.value.code == "slot_closed"


def test_a_full_slot_says_slot_full(company, owner, gate):
    slot = make_slot(gate, capacity=1)
    services.booking_create(declaration=make_declaration(company), slot=slot, actor=owner)
    with pytest.raises(Conflict) as err:
        services.booking_create(declaration=make_declaration(company), slot=slot, actor=owner)
    assert err.value.code == "slot_full"
    slot.refresh_from_db()
    assert slot.booked == 1


def test_one_live_booking_per_declaration(booking, owner, gate):
    with pytest.raises(Conflict) as err:
        services.booking_create(
            declaration=booking.declaration, slot=make_slot(gate, hours_ahead=30), actor=owner
        )
    assert err.value.code == "already_booked"


def test_a_cancelled_booking_lets_the_declaration_book_again(booking, owner, gate):
    services.booking_cancel(booking=booking, actor=owner)
    again = services.booking_create(
        declaration=booking.declaration, slot=make_slot(gate, hours_ahead=30), actor=owner
    )
    assert again.state == BookingState.CONFIRMED


def test_the_company_cap_counts_live_bookings_per_gate_and_day(company, owner, gate):
    gate.company_daily_booking_cap = 2
    gate.save()
    slot = make_slot(gate, capacity=10)
    first = services.booking_create(declaration=make_declaration(company), slot=slot, actor=owner)
    services.booking_create(declaration=make_declaration(company), slot=slot, actor=owner)
    with pytest.raises(Conflict) as err:
        services.booking_create(declaration=make_declaration(company), slot=slot, actor=owner)
    assert err.value.code == "company_cap"
    # Another day is another day; a cancelled booking no longer counts.
    services.booking_create(
        declaration=make_declaration(company), slot=make_slot(gate, hours_ahead=48), actor=owner
    )
    services.booking_cancel(booking=first, actor=owner)
    services.booking_create(declaration=make_declaration(company), slot=slot, actor=owner)


def test_another_companys_operator_cannot_book_or_cancel(booking, other_owner, gate, company):
    with pytest.raises(NotFound):
        services.booking_create(
            declaration=make_declaration(company), slot=make_slot(gate), actor=other_owner
        )
    with pytest.raises(NotFound):
        services.booking_cancel(booking=booking, actor=other_owner)


def test_cancel_frees_the_place_and_is_refused_twice(booking, owner):
    services.booking_cancel(booking=booking, actor=owner, reason="plans changed")
    booking.refresh_from_db()
    assert booking.state == BookingState.CANCELLED and booking.close_reason == "plans changed"
    assert Slot.objects.get(pk=booking.slot_id).booked == 0
    with pytest.raises(Conflict):
        services.booking_cancel(booking=booking, actor=owner)
    assert Slot.objects.get(pk=booking.slot_id).booked == 0


def test_rebook_takes_the_new_place_and_releases_the_old(booking, owner, gate):
    old_slot_id, old_ticket = booking.slot_id, booking.ticket
    new = make_slot(gate, hours_ahead=30, capacity=2)
    assert Slot.objects.get(pk=old_slot_id).booked == 1
    services.booking_rebook(booking=booking, slot=new, actor=owner)
    booking = Booking.objects.get(pk=booking.pk)
    assert (booking.state, booking.slot_id, booking.slot_start, booking.ticket) == (
        BookingState.CONFIRMED,
        new.pk,
        new.start,
        old_ticket,
    )
    assert Slot.objects.get(pk=new.pk).booked == 1
    assert Slot.objects.get(pk=old_slot_id).booked == 0
    assert Booking.objects.filter(declaration=booking.declaration).count() == 1


def _local(gate, day: dt.date, hour: int) -> dt.datetime:  # type: ignore[no-untyped-def]
    return dt.datetime.combine(day, dt.time(hour), tzinfo=rules.gate_zone(gate))


def test_a_rebook_at_the_company_cap_within_the_same_day_is_allowed(company, owner, gate):
    gate.company_daily_booking_cap = 2
    gate.save()
    day = timezone.localdate(timezone=rules.gate_zone(gate)) + dt.timedelta(days=2)
    morning, noon, evening = (make_slot(gate, start=_local(gate, day, h), capacity=5) for h in (8, 12, 18))
    first = services.booking_create(declaration=make_declaration(company), slot=morning, actor=owner)
    services.booking_create(declaration=make_declaration(company), slot=noon, actor=owner)
    with pytest.raises(Conflict) as err:  # the company is at its cap for that day
        services.booking_create(declaration=make_declaration(company), slot=evening, actor=owner)
    assert err.value.code == "company_cap"

    services.booking_rebook(booking=first, slot=evening, actor=owner)  # moving is not one more
    assert Booking.objects.get(pk=first.pk).slot_id == evening.pk
    assert [Slot.objects.get(pk=s.pk).booked for s in (morning, noon, evening)] == [0, 1, 1]


def test_a_rebook_to_a_day_where_the_company_is_at_its_cap_is_refused(company, owner, gate):
    gate.company_daily_booking_cap = 1
    gate.save()
    day = timezone.localdate(timezone=rules.gate_zone(gate)) + dt.timedelta(days=2)
    full_day = make_slot(gate, start=_local(gate, day, 8), capacity=5)
    other_day = make_slot(gate, start=_local(gate, day + dt.timedelta(days=1), 8), capacity=5)
    services.booking_create(declaration=make_declaration(company), slot=full_day, actor=owner)
    moving = services.booking_create(declaration=make_declaration(company), slot=other_day, actor=owner)
    target = make_slot(gate, start=_local(gate, day, 15), capacity=5)
    with pytest.raises(Conflict) as err:
        services.booking_rebook(booking=moving, slot=target, actor=owner)
    assert err.value.code == "company_cap"
    assert Booking.objects.get(pk=moving.pk).slot_id == other_day.pk
    assert [Slot.objects.get(pk=s.pk).booked for s in (full_day, other_day, target)] == [1, 1, 0]


def test_the_cap_day_is_the_gates_calendar_day(company, owner, gate):
    """23:30 and 00:30 local are two days, even though they are one hour apart."""
    gate.company_daily_booking_cap = 1
    gate.save()
    day = timezone.localdate(timezone=rules.gate_zone(gate)) + dt.timedelta(days=2)
    late = make_slot(gate, start=_local(gate, day, 23).replace(minute=0), capacity=5)
    after_midnight = make_slot(gate, start=_local(gate, day + dt.timedelta(days=1), 0), capacity=5)
    services.booking_create(declaration=make_declaration(company), slot=late, actor=owner)
    services.booking_create(declaration=make_declaration(company), slot=after_midnight, actor=owner)
    assert Slot.objects.get(pk=after_midnight.pk).booked == 1


def test_the_cap_counts_only_this_gate_and_this_company(company, owner, other_company, other_owner, gate):
    gate.company_daily_booking_cap = 1
    gate.save()
    day = timezone.localdate(timezone=rules.gate_zone(gate)) + dt.timedelta(days=2)
    slot = make_slot(gate, start=_local(gate, day, 9), capacity=5)
    services.booking_create(declaration=make_declaration(other_company), slot=slot, actor=other_owner)
    tan_thanh = factories.gate("TAN_THANH")
    elsewhere = make_slot(tan_thanh, start=_local(tan_thanh, day, 9), capacity=5)
    services.booking_create(
        declaration=make_declaration(company, gate=tan_thanh), slot=elsewhere, actor=owner
    )
    services.booking_create(declaration=make_declaration(company), slot=slot, actor=owner)
    assert Slot.objects.get(pk=slot.pk).booked == 2


def test_a_failed_rebook_leaves_the_old_booking_intact(booking, owner, gate, company):
    full = make_slot(gate, hours_ahead=30, capacity=1)
    services.booking_create(declaration=make_declaration(company), slot=full, actor=owner)
    old_slot = booking.slot_id
    with pytest.raises(Conflict) as err:
        services.booking_rebook(booking=booking, slot=full, actor=owner)
    assert err.value.code == "slot_full"
    booking.refresh_from_db()
    assert booking.state == BookingState.CONFIRMED and booking.slot_id == old_slot
    assert Slot.objects.get(pk=old_slot).booked == 1
    assert Slot.objects.get(pk=full.pk).booked == 1


def test_rebook_to_a_past_slot_changes_nothing(booking, owner, gate):
    with pytest.raises(Conflict):
        services.booking_rebook(booking=booking, slot=make_slot(gate, hours_ahead=-2), actor=owner)
    booking.refresh_from_db()
    assert Slot.objects.get(pk=booking.slot_id).booked == 1


def test_cancelling_the_declaration_cancels_its_confirmed_booking(booking, owner):
    from declarations.services import declaration_cancel

    declaration_cancel(actor=owner, declaration=booking.declaration, note="not going")
    booking.refresh_from_db()
    assert booking.state == BookingState.CANCELLED
    assert Slot.objects.get(pk=booking.slot_id).booked == 0
    # The owners are told once, by the declaration's end, which names the cancelled booking.
    assert not Notification.objects.filter(event="booking.cancelled", subject_id=booking.pk).exists()
    told = Notification.objects.get(
        event="declaration.cancelled", subject_id=booking.declaration_id, recipient=owner, channel="in_app"
    )
    # In the owner's language (Vietnamese by default): the booking's plate and its window.
    assert booking.vehicle.plate in told.body and "đã bị hủy và chỗ đã được trả lại" in told.body


def test_check_in_is_allowed_only_inside_the_entry_window(booking, gate):
    start = booking.slot.start
    early = start - dt.timedelta(minutes=gate.early_margin_minutes + 1)
    with time_machine.travel(early, tick=False), pytest.raises(Conflict) as err:
        services.booking_check_in(booking=booking)
    assert err.value.code == "outside_window"
    late = booking.slot.end + dt.timedelta(minutes=gate.grace_minutes + 1)
    with time_machine.travel(late, tick=False), pytest.raises(Conflict):
        services.booking_check_in(booking=booking)
    with time_machine.travel(start - dt.timedelta(minutes=gate.early_margin_minutes), tick=False):
        services.booking_check_in(booking=booking)
    booking.refresh_from_db()
    assert booking.state == BookingState.IN_YARD
    note = Notification.objects.get(event="booking.checked_in", subject_id=booking.pk, channel="in_app")
    assert note.payload["queue_position"] == 1


def test_departure_completes_the_declaration(company, owner, gate):
    declaration = make_declaration(company, state="cleared")
    slot = make_slot(gate, hours_ahead=0.5)
    booking = services.booking_create(declaration=declaration, slot=slot, actor=owner)
    services.booking_check_in(booking=booking)
    services.booking_call(booking=booking)
    services.booking_depart(booking=booking, actor_label="lane 1")
    booking.refresh_from_db()
    declaration.refresh_from_db()
    assert booking.state == BookingState.DEPARTED
    assert declaration.state == "completed"
    assert Notification.objects.filter(event="booking.called", subject_id=booking.pk).exists()


def test_tickets_are_unique_and_unguessable(company, owner, gate):
    slot = make_slot(gate, capacity=30)
    tickets = {
        services.booking_create(declaration=make_declaration(company), slot=slot, actor=owner).ticket
        for _ in range(15)
    }
    assert len(tickets) == 15
    assert Booking.objects.filter(ticket__in=tickets).count() == 15


def test_booking_created_in_the_past_slot_is_refused_with_time_frozen(company, owner, gate):
    slot = make_slot(gate, hours_ahead=5)
    with time_machine.travel(slot.start + dt.timedelta(minutes=1), tick=False), pytest.raises(Conflict):
        services.booking_create(declaration=make_declaration(company), slot=slot, actor=owner)
    assert timezone.now() < slot.start


def _told(event: str) -> dict[int, Notification]:
    return {n.recipient_id: n for n in Notification.objects.filter(event=event, channel="in_app")}


def test_a_booking_is_told_to_the_companys_active_operators_and_its_driver(company, owner, gate):
    colleague = factories.operator_user(company)
    factories.operator_user(company, is_active=False)  # left the company: not told
    factories.operator_user(factories.CompanyFactory())  # another company: not told
    driver_account = factories.UserFactory()
    declaration = make_declaration(company)
    declaration.driver.user = driver_account
    declaration.driver.save()
    day = timezone.localdate() + dt.timedelta(days=2)
    slot = make_slot(gate, start=_local(gate, day, 8), minutes=60)
    booking = services.booking_create(declaration=declaration, slot=slot, actor=owner)

    told = _told("booking.confirmed")
    assert set(told) == {owner.pk, colleague.pk, driver_account.pk}
    note = told[owner.pk]
    assert (note.subject_type, note.subject_id) == ("booking", booking.pk)
    assert note.payload == {
        "booking": booking.pk,
        "declaration": declaration.pk,
        "plate": declaration.vehicle.plate,
        "gate": gate.name,
        # The gate's name in each language, so each reader's message names it in theirs.
        "gate_i18n": {
            "vi": "Cửa khẩu quốc tế Hữu Nghị",
            "en": "Hữu Nghị International Border Gate",
            "zh-hans": "友谊国际口岸",
        },
        "gate_code": "HUU_NGHI",
        "window": f"{day:%Y-%m-%d} 08:00–09:00",
        "ticket": booking.ticket,
    }


def test_a_driver_who_is_also_an_operator_is_told_once(company, owner, gate):
    declaration = make_declaration(company)
    declaration.driver.user = owner
    declaration.driver.save()
    services.booking_create(declaration=declaration, slot=make_slot(gate), actor=owner)
    assert (
        Notification.objects.filter(event="booking.confirmed", channel="in_app", recipient=owner).count() == 1
    )


def test_an_inactive_driver_account_is_not_told(company, owner, gate):
    declaration = make_declaration(company)
    declaration.driver.user = factories.UserFactory(is_active=False)
    declaration.driver.save()
    services.booking_create(declaration=declaration, slot=make_slot(gate), actor=owner)
    assert set(_told("booking.confirmed")) == {owner.pk}


def test_a_superuser_and_the_system_may_book_for_any_company(company, gate):
    admin = factories.UserFactory(is_superuser=True, is_staff=True)
    assert services.booking_create(declaration=make_declaration(company), slot=make_slot(gate), actor=admin)
    assert services.booking_create(declaration=make_declaration(company), slot=make_slot(gate), actor=None)


def test_a_rebook_tells_the_new_window_and_a_cancel_tells_the_reason(booking, owner, gate):
    day = timezone.localdate() + dt.timedelta(days=3)
    services.booking_rebook(booking=booking, slot=make_slot(gate, start=_local(gate, day, 14)), actor=owner)
    moved = Notification.objects.filter(event="booking.confirmed", channel="in_app", recipient=owner).latest(
        "id"
    )
    assert moved.payload["window"] == f"{day:%Y-%m-%d} 14:00–15:00"
    services.booking_cancel(booking=booking, actor=owner, reason="truck broke down")
    assert _told("booking.cancelled")[owner.pk].payload["note"] == "truck broke down"


def test_a_cancel_never_counts_a_slot_below_zero(booking, owner):
    Slot.objects.filter(pk=booking.slot_id).update(booked=0)  # counts repaired by hand meanwhile
    services.booking_cancel(booking=booking, actor=owner)
    assert Slot.objects.get(pk=booking.slot_id).booked == 0


def test_a_cancel_offers_the_freed_place_to_the_waiting_declarations_people(company, owner, gate):
    slot = make_slot(gate, capacity=1)
    holder = services.booking_create(declaration=make_declaration(company), slot=slot, actor=owner)
    waiting = make_declaration(company)
    driver_account = factories.UserFactory()
    waiting.driver.user = driver_account
    waiting.driver.save()
    services.waitlist_join(declaration=waiting, slot=slot, actor=owner)
    services.booking_cancel(booking=holder, actor=owner)
    told = _told("booking.waitlist_offer")
    assert set(told) == {owner.pk, driver_account.pk}
    assert (told[owner.pk].subject_type, told[owner.pk].subject_id) == ("declaration", waiting.pk)
    assert told[owner.pk].payload["slot"] == slot.pk


def test_someone_of_no_company_cannot_book_and_is_told_not_found(stranger, company, gate):
    with pytest.raises(NotFound) as err:
        services.booking_create(declaration=make_declaration(company), slot=make_slot(gate), actor=stranger)
    assert str(err.value) == "Not found."
    assert not Booking.objects.exists()


def test_another_companys_booking_is_not_found_in_plain_words(booking, other_owner, gate):
    with pytest.raises(NotFound) as err:
        services.booking_rebook(booking=booking, slot=make_slot(gate, hours_ahead=30), actor=other_owner)
    assert str(err.value) == "Not found."


def _refusal(call) -> tuple[type, str, str]:  # type: ignore[no-untyped-def]
    with pytest.raises(DomainError) as err:
        call()
    return type(err.value), err.value.code, str(err.value)


def test_each_refusal_says_what_is_wrong(company, owner, gate):
    book = services.booking_create
    draft = make_declaration(company, state="draft")
    assert _refusal(lambda: book(declaration=draft, slot=make_slot(gate), actor=owner)) == (
        Conflict,
        "declaration_not_bookable",
        "Only a submitted, under-review or cleared declaration can book (it is Draft).",
    )
    other_gate = make_slot(factories.gate("CHI_MA"))
    assert _refusal(lambda: book(declaration=make_declaration(company), slot=other_gate, actor=owner)) == (
        DomainError,
        "wrong_slot",
        "This slot is for another gate or direction than the declaration.",
    )
    past = make_slot(gate, hours_ahead=-1)
    assert _refusal(lambda: book(declaration=make_declaration(company), slot=past, actor=owner)) == (
        Conflict,
        "slot_past",
        "This slot has already started; pick a later one.",
    )
    closed = make_slot(gate, hours_ahead=30)
    Slot.objects.filter(pk=closed.pk).update(is_closed=True)
    assert _refusal(lambda: book(declaration=make_declaration(company), slot=closed, actor=owner)) == (
        Conflict,
        "slot_closed",
        "This slot is closed.",
    )
    full = make_slot(gate, hours_ahead=40, capacity=1)
    booking = book(declaration=make_declaration(company), slot=full, actor=owner)
    assert _refusal(lambda: book(declaration=make_declaration(company), slot=full, actor=owner)) == (
        Conflict,
        "slot_full",
        "This slot is full.",
    )
    assert _refusal(lambda: book(declaration=booking.declaration, slot=make_slot(gate), actor=owner)) == (
        Conflict,
        "already_booked",
        "This declaration already has a live booking; rebook it instead.",
    )
    assert _refusal(lambda: services.booking_rebook(booking=booking, slot=full, actor=owner)) == (
        DomainError,
        "same_slot",
        "The booking already has this slot.",
    )


def test_the_company_cap_refusal_names_the_limit(company, owner, gate):
    gate.company_daily_booking_cap = 1
    gate.save()
    day = timezone.localdate(timezone=rules.gate_zone(gate)) + dt.timedelta(days=2)
    slot = make_slot(gate, start=_local(gate, day, 9), capacity=5)
    services.booking_create(declaration=make_declaration(company), slot=slot, actor=owner)
    assert _refusal(
        lambda: services.booking_create(declaration=make_declaration(company), slot=slot, actor=owner)
    ) == (
        Conflict,
        "company_cap",
        "Your company already has 1 live bookings at this gate on that day (the limit).",
    )


def test_only_a_confirmed_booking_can_be_rebooked(company, owner, gate):
    booking = services.booking_create(
        declaration=make_declaration(company), slot=make_slot(gate, hours_ahead=0.5), actor=owner
    )
    services.booking_check_in(booking=booking)
    assert _refusal(
        lambda: services.booking_rebook(booking=booking, slot=make_slot(gate, hours_ahead=30), actor=owner)
    ) == (Conflict, "illegal_transition", "Only a confirmed booking can be rebooked (it is In the yard).")


def test_a_booking_copies_what_the_gate_needs_from_its_declaration(company, owner, gate):
    declaration = make_declaration(company, perishable=True, channel="red")
    slot = make_slot(gate, hours_ahead=30)
    booking = Booking.objects.get(
        pk=services.booking_create(declaration=declaration, slot=slot, actor=owner).pk
    )
    assert (booking.gate_id, booking.company_id, booking.vehicle_id, booking.slot_start) == (
        gate.pk,
        company.pk,
        declaration.vehicle_id,
        slot.start,
    )
    assert booking.plate_canonical == declaration.vehicle.plate_canonical
    assert (booking.perishable, booking.inspection_required, booking.state) == (True, True, "confirmed")
    log = TransitionLog.objects.get(object_id=booking.pk, transition="create", target="confirmed")
    assert (log.actor_id, log.source) == (owner.pk, "")


# --- what booking, cancelling and rebooking record and tell ------------------------------------
def _logs(booking: Booking, transition: str):  # type: ignore[no-untyped-def]
    return TransitionLog.objects.filter(
        content_type=ContentType.objects.get_for_model(Booking), object_id=booking.pk, transition=transition
    ).order_by("id")


def _log(booking: Booking, transition: str) -> TransitionLog:
    return _logs(booking, transition).get()


def _keys(event: str, booking: Booking) -> set[str]:
    return set(
        Notification.objects.filter(event=event, subject_id=booking.pk).values_list(
            "idempotency_key", flat=True
        )
    )


def test_a_booking_is_told_once_under_its_own_key(company, owner, gate):
    booking = services.booking_create(
        declaration=make_declaration(company), slot=make_slot(gate), actor=owner
    )
    assert _keys("booking.confirmed", booking) == {
        f"booking.confirmed:booking:{booking.pk}:{booking.pk}:{owner.pk}:in_app"
    }


def test_a_cancel_by_a_person_logs_who_and_why_and_is_told_under_the_bookings_key(booking, owner):
    services.booking_cancel(booking=booking, actor=owner, reason="truck broke down")
    log = _log(booking, "cancel")
    assert (log.actor_id, log.actor_label, log.source, log.target, log.note) == (
        owner.pk,
        "",
        "confirmed",
        "cancelled",
        "truck broke down",
    )
    assert _keys("booking.cancelled", booking) == {
        f"booking.cancelled:booking:{booking.pk}:{booking.pk}:{owner.pk}:in_app"
    }


def test_a_cancel_without_a_reason_records_and_tells_none(booking, owner):
    services.booking_cancel(booking=booking, actor=owner)
    booking.refresh_from_db()
    assert (booking.close_reason, _log(booking, "cancel").note) == ("", "")
    assert _told("booking.cancelled")[owner.pk].payload["note"] == ""


def test_a_cancel_by_the_system_logs_what_did_it(booking):
    services.booking_cancel(booking=booking, actor=None, actor_label="gate closure", reason="closed")
    log = _log(booking, "cancel")
    assert (log.actor_id, log.actor_label, log.note) == (None, "gate closure", "closed")


def test_a_long_cancel_reason_is_kept_whole_in_the_log_and_cut_to_200_on_the_booking(booking, owner):
    reason = "the truck broke down on the way; " * 8  # 264 characters
    services.booking_cancel(booking=booking, actor=owner, reason=reason)
    booking.refresh_from_db()
    assert booking.close_reason == reason[:200] and len(booking.close_reason) == 200
    assert _log(booking, "cancel").note == reason
    assert _told("booking.cancelled")[owner.pk].payload["note"] == reason


def test_a_quiet_cancel_tells_no_one_but_still_frees_the_place(booking, owner):
    services.booking_cancel(booking=booking, actor=owner, quiet=True)
    assert not Notification.objects.filter(event="booking.cancelled").exists()
    assert Slot.objects.get(pk=booking.slot_id).booked == 0


def test_a_rebook_logs_the_move_from_slot_to_slot_and_is_told_under_a_key_of_the_new_slot(
    booking, owner, gate
):
    old = booking.slot_id
    first, second = make_slot(gate, hours_ahead=30), make_slot(gate, hours_ahead=50)
    services.booking_rebook(booking=booking, slot=first, actor=owner)
    services.booking_rebook(booking=booking, slot=second, actor=owner)
    assert [
        (log.actor_id, log.actor_label, log.source, log.target, log.note) for log in _logs(booking, "move")
    ] == [
        (owner.pk, "", "confirmed", "confirmed", f"rebook {old}→{first.pk}"),
        (owner.pk, "", "confirmed", "confirmed", f"rebook {first.pk}→{second.pk}"),
    ]
    assert _keys("booking.confirmed", booking) == {
        f"booking.confirmed:booking:{booking.pk}:{booking.pk}:{owner.pk}:in_app",
        f"booking.confirmed:booking:{booking.pk}:{booking.pk}:{first.pk}:{owner.pk}:in_app",
        f"booking.confirmed:booking:{booking.pk}:{booking.pk}:{second.pk}:{owner.pk}:in_app",
    }


def test_a_rebook_by_the_system_logs_what_did_it(booking, gate):
    services.booking_rebook(
        booking=booking, slot=make_slot(gate, hours_ahead=30), actor=None, actor_label="waitlist"
    )
    log = _log(booking, "move")
    assert (log.actor_id, log.actor_label) == (None, "waitlist")


def _someone_takes_the_last_place_first(monkeypatch, slot: Slot) -> None:  # type: ignore[no-untyped-def]
    """Another booker takes the slot's last place between this booking's checks and its UPDATE
    (a race the checks cannot see): the conditional UPDATE is the one that decides. The stand-in
    runs in the booking's own transaction, so the refusal's rollback undoes it too."""
    from queueing.services import bookings

    take_place = bookings.take_place

    def racing(slot_id: int) -> bool:
        Slot.objects.filter(pk=slot.pk).update(booked=F("capacity"))
        return take_place(slot_id)

    monkeypatch.setattr(bookings, "take_place", racing)


def test_a_place_taken_between_the_checks_and_the_update_refuses_the_booking(
    company, owner, gate, monkeypatch
):
    slot = make_slot(gate, capacity=2)
    declaration = make_declaration(company)
    _someone_takes_the_last_place_first(monkeypatch, slot)
    assert _refusal(lambda: services.booking_create(declaration=declaration, slot=slot, actor=owner)) == (
        Conflict,
        "slot_full",
        "This slot is full.",
    )
    assert not Booking.objects.filter(declaration=declaration).exists()
    assert not Notification.objects.filter(event="booking.confirmed").exists()


def test_a_place_taken_between_the_checks_and_the_update_refuses_the_rebook(
    booking, owner, gate, monkeypatch
):
    old = booking.slot_id
    target = make_slot(gate, hours_ahead=30, capacity=2)
    _someone_takes_the_last_place_first(monkeypatch, target)
    assert _refusal(lambda: services.booking_rebook(booking=booking, slot=target, actor=owner)) == (
        Conflict,
        "slot_full",
        "This slot is full.",
    )
    booking.refresh_from_db()
    assert (booking.slot_id, booking.slot_start, Slot.objects.get(pk=old).booked) == (
        old,
        booking.slot.start,
        1,
    )
    assert not _logs(booking, "move").exists()


def test_a_booking_logs_who_made_it_or_what_did(company, owner, gate):
    by_person = services.booking_create(
        declaration=make_declaration(company), slot=make_slot(gate), actor=owner
    )
    by_system = services.booking_create(
        declaration=make_declaration(company), slot=make_slot(gate), actor=None, actor_label="waitlist"
    )
    assert [
        (log.actor_id, log.actor_label, log.source, log.target)
        for log in (_log(by_person, "create"), _log(by_system, "create"))
    ] == [(owner.pk, "", "", "confirmed"), (None, "waitlist", "", "confirmed")]


def test_a_plain_green_declarations_booking_needs_no_inspection_and_is_not_perishable(company, owner, gate):
    declaration = make_declaration(company, perishable=False, channel="green")
    booking = Booking.objects.get(
        pk=services.booking_create(declaration=declaration, slot=make_slot(gate), actor=owner).pk
    )
    assert (booking.perishable, booking.inspection_required) == (False, False)


def test_a_full_slot_is_refused_by_reading_alone(company, owner, gate):
    """In a rush most attempts meet a full slot: they are answered from the slot's row, before any
    transaction, lock or write (the conditional UPDATE still decides for the others)."""
    slot = make_slot(gate, capacity=1)
    services.booking_create(declaration=make_declaration(company), slot=slot, actor=owner)
    declaration = make_declaration(company)
    # As the API's serializer gives it: the slot just read, with its gate.
    slot = Slot.objects.select_related("gate").get(pk=slot.pk)
    with CaptureQueriesContext(connection) as queries, pytest.raises(Conflict) as err:
        services.booking_create(declaration=declaration, slot=slot, actor=owner)
    assert err.value.code == "slot_full"
    statements = [q["sql"].lstrip().split(None, 1)[0].upper() for q in queries.captured_queries]
    assert set(statements) <= {"SELECT"}, statements  # none at all when the caller read the slot
    assert not any("FOR UPDATE" in q["sql"] for q in queries.captured_queries)


def test_a_booking_goes_by_the_declarations_state_in_the_database_not_the_callers_copy(company, owner, gate):
    """The caller's copy may be older than the row: the state that counts is read under the lock."""
    submitted_since = make_declaration(company, state="draft")
    Declaration.objects.filter(pk=submitted_since.pk).update(state="submitted")
    booking = services.booking_create(declaration=submitted_since, slot=make_slot(gate), actor=owner)
    assert booking.state == BookingState.CONFIRMED

    cancelled_since = make_declaration(company)
    Declaration.objects.filter(pk=cancelled_since.pk).update(state="cancelled")
    slot = make_slot(gate)
    assert _refusal(lambda: services.booking_create(declaration=cancelled_since, slot=slot, actor=owner)) == (
        Conflict,
        "declaration_not_bookable",
        "Only a submitted, under-review or cleared declaration can book (it is Cancelled).",
    )
    assert Slot.objects.get(pk=slot.pk).booked == 0


def test_a_slot_starting_this_very_moment_is_already_past(company, owner, gate, booking):
    slot = make_slot(gate, hours_ahead=5)
    with time_machine.travel(slot.start, tick=False):
        assert _refusal(
            lambda: services.booking_create(declaration=make_declaration(company), slot=slot, actor=owner)
        ) == (Conflict, "slot_past", "This slot has already started; pick a later one.")
        assert (
            _refusal(lambda: services.booking_rebook(booking=booking, slot=slot, actor=owner))[1]
            == "slot_past"
        )
    assert Slot.objects.get(pk=slot.pk).booked == 0
