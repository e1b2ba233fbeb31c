from __future__ import annotations

import datetime as dt
import threading

import pytest
import time_machine
from django.db import connections
from django.utils import timezone

from cuakhau.notifications.models import Notification
from cuakhau.transitions.models import TransitionLog
from declarations.models import Declaration
from queueing import selectors, services
from queueing.models import Booking, BookingState, PartnerAcceptance, Slot

from .conftest import make_declaration, make_slot


def yard_booking(company, owner, gate, *, slot=None, state="cleared", perishable=False, channel=None):  # type: ignore[no-untyped-def]
    if slot is None:
        now = timezone.now()
        slot = Slot.objects.filter(
            gate=gate, direction="export", start__gt=now, start__lt=now + dt.timedelta(minutes=50)
        ).first() or make_slot(gate, hours_ahead=0.5, capacity=100)
    declaration = make_declaration(company, state=state, gate=gate, perishable=perishable, channel=channel)
    booking = services.booking_create(declaration=declaration, slot=slot, actor=owner)
    return services.booking_check_in(booking=booking)


@pytest.mark.django_db
def test_the_yard_queue_puts_perishables_first_then_slot_start_then_check_in(company, owner, gate):
    early = make_slot(gate, hours_ahead=0.5, capacity=10)
    later = make_slot(gate, hours_ahead=0.75, capacity=10)
    a = yard_booking(company, owner, gate, slot=later)
    b = yard_booking(company, owner, gate, slot=early)
    c = yard_booking(company, owner, gate, slot=later, perishable=True)
    d = yard_booking(company, owner, gate, slot=early)
    assert list(selectors.yard_queue(gate)) == [c, b, d, a]
    assert [selectors.queue_position(x) for x in (c, b, d, a)] == [1, 2, 3, 4]
    services.booking_call(booking=b)
    b.refresh_from_db()
    assert selectors.queue_position(b) is None
    assert [selectors.queue_position(x) for x in (c, d, a)] == [1, 2, 3]


@pytest.mark.django_db
def test_queue_position_is_one_query(company, owner, gate, django_assert_num_queries):
    booking = yard_booking(company, owner, gate)
    with django_assert_num_queries(1):
        assert selectors.queue_position(booking) == 1


@pytest.mark.django_db
def test_call_forward_releases_only_ready_trucks_in_queue_order(company, owner, gate):
    gate.lane_release_per_tick = 10
    gate.save()
    waiting = yard_booking(company, owner, gate, state="under_review")
    red = yard_booking(company, owner, gate, channel="red")
    ready = yard_booking(company, owner, gate)
    assert services.call_forward_run(gate=gate) == [ready.pk]
    services.booking_send_to_inspection(booking=red)
    services.booking_pass_inspection(booking=red, note="ok")
    assert services.call_forward_run(gate=gate) == [red.pk]
    waiting.refresh_from_db()
    assert waiting.state == BookingState.IN_YARD
    assert Notification.objects.filter(event="booking.called", subject_id=ready.pk, recipient=owner).exists()


@pytest.mark.django_db
def test_call_forward_holds_a_truck_whose_declaration_turned_red_until_it_is_inspected(company, owner, gate):
    gate.lane_release_per_tick = 10
    gate.save()
    booking = yard_booking(company, owner, gate, channel="green")
    assert booking.inspection_required is False
    Declaration.objects.filter(pk=booking.declaration_id).update(channel="red")  # re-routed after booking
    assert services.call_forward_run(gate=gate) == []
    booking.refresh_from_db()
    assert booking.state == BookingState.IN_YARD
    services.booking_send_to_inspection(booking=booking)
    services.booking_pass_inspection(booking=booking, note="ok")
    assert services.call_forward_run(gate=gate) == [booking.pk]
    booking.refresh_from_db()
    assert booking.state == BookingState.CALLED


@pytest.mark.django_db
def test_call_forward_releases_at_most_the_lane_share_per_interval(company, owner, gate, settings):
    settings.CALL_FORWARD_INTERVAL_SECONDS = 30
    gate.lane_release_per_tick = 3
    gate.save()
    for _ in range(8):
        yard_booking(company, owner, gate)
    assert len(services.call_forward_run(gate=gate)) == 3
    assert services.call_forward_run(gate=gate) == []  # the same tick run twice
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=31)):
        assert len(services.call_forward_run(gate=gate)) == 3


@pytest.mark.django_db
def test_call_forward_never_exceeds_the_partner_acceptance_of_the_day(company, owner, gate, settings):
    settings.CALL_FORWARD_INTERVAL_SECONDS = 0
    gate.lane_release_per_tick = 4
    gate.save()
    PartnerAcceptance.objects.create(gate=gate, date=timezone.localdate(), accepted=6)
    for _ in range(10):
        yard_booking(company, owner, gate)
    assert len(services.call_forward_run(gate=gate)) == 4
    assert len(services.call_forward_run(gate=gate)) == 2
    assert services.call_forward_run(gate=gate) == []
    assert Booking.objects.filter(state=BookingState.CALLED).count() == 6


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_call_forward_runners_never_call_a_truck_twice_nor_exceed_capacity(
    company, owner, gate, settings
):
    settings.CALL_FORWARD_INTERVAL_SECONDS = 0  # only the partner figure and the per-run share bind
    gate.lane_release_per_tick = 3
    gate.save()
    PartnerAcceptance.objects.create(gate=gate, date=timezone.localdate(), accepted=11)
    slot = make_slot(gate, hours_ahead=0.5, capacity=100)
    for _ in range(20):
        yard_booking(company, owner, gate, slot=slot)
    results: list[list[int]] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def runner() -> None:
        try:
            barrier.wait()
            for _ in range(6):
                results.append(services.call_forward_run(gate=gate))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=runner) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    called = [pk for run in results for pk in run]
    assert len(called) == len(set(called)) == 11
    assert all(len(run) <= 3 for run in results)
    assert Booking.objects.filter(state=BookingState.CALLED).count() == 11
    assert TransitionLog.objects.filter(transition="call").count() == 11


@pytest.mark.django_db
def test_the_wait_estimate_uses_the_partner_rate_and_says_when_today_is_out_of_reach(company, owner, gate):
    first = yard_booking(company, owner, gate)
    second = yard_booking(company, owner, gate)
    none = selectors.wait_estimate(gate, second)
    assert none.basis == "none" and none.minutes is None and none.position == 2
    PartnerAcceptance.objects.create(gate=gate, date=timezone.localdate(), accepted=1)
    tight = selectors.wait_estimate(gate, second)
    assert tight.basis == "partner" and tight.beyond_today and tight.minutes is None
    assert selectors.wait_estimate(gate, first).minutes is not None


@pytest.mark.django_db
def test_the_wait_estimate_keeps_the_partner_pace_late_in_the_day(company, owner, gate):
    """750 trucks accepted over a 06–22 h day is ~47 an hour, even at 21:30 with nobody called."""
    booking = yard_booking(company, owner, gate)
    today = timezone.localdate()
    for hour in (6, 21):
        start = dt.datetime.combine(today, dt.time(hour), tzinfo=timezone.get_current_timezone())
        Slot.objects.get_or_create(
            gate=gate,
            direction="import",
            start=start,
            defaults={"end": start + dt.timedelta(hours=1), "capacity": 10},
        )
    PartnerAcceptance.objects.create(gate=gate, date=today, accepted=750)
    late = dt.datetime.combine(today, dt.time(21, 30), tzinfo=timezone.get_current_timezone())
    estimate = selectors.wait_estimate(gate, booking, now=late)
    assert estimate.basis == "partner"
    assert 40 <= estimate.rate_per_hour <= 50


@pytest.mark.django_db
def test_call_forward_reads_its_gate_and_figures_in_one_statement(company, owner, gate, settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from vehicles.models import Gate

    settings.CALL_FORWARD_INTERVAL_SECONDS = 3600
    PartnerAcceptance.objects.create(gate=gate, date=timezone.localdate(), accepted=5)
    for _ in range(4):
        yard_booking(company, owner, gate)
    Gate.objects.filter(pk=gate.pk).update(lane_release_per_tick=1)  # after the caller read it
    assert len(services.call_forward_run(gate=gate)) == 1  # the gate as it is now
    since = timezone.now() - dt.timedelta(hours=1)
    with CaptureQueriesContext(connection) as captured:
        now_gate, called_since, partner = selectors.call_forward_figures(gate, since)
    assert len(captured.captured_queries) == 1
    assert now_gate.lane_release_per_tick == 1
    assert called_since == Booking.objects.filter(gate=gate, called_at__gt=since).count() == 1
    assert partner == selectors.partner_remaining_today(gate) == (5, 4)
    Gate.objects.filter(pk=gate.pk).update(lane_release_per_tick=10)
    with CaptureQueriesContext(connection) as captured:
        called = services.call_forward_run(gate=gate)
    assert len(called) == 3  # the rest of the yard, within the partner's 4 left
    # The gate's lock, its figures, the trucks under their locks, then per truck its transition,
    # log, owners and notification; the savepoint and its release.
    assert len(captured.captured_queries) == 3 + 3 * 4 + 2
