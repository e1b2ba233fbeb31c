"""Races on the queue, each thread on its own database connection: many bookings at one slot,
many rebooks into one slot, two call-forward runners.

Used by the PostgreSQL tests (inside pytest) and by the SQLite script (a separate process on a
file database, since pytest-django's SQLite test database lives in memory), so both databases
run the same scenario and the same checks.
"""

from __future__ import annotations

import threading
from collections import Counter

from django.db import connections

from cuakhau.errors import Conflict
from queueing import services
from queueing.models import LIVE_BOOKING_STATES, Booking, Slot
from tests import factories


def prepare(*, gate, places: int, attempts: int, companies: int = 25):  # type: ignore[no-untyped-def]
    """One slot with `places` places and `attempts` bookable declarations spread over companies."""
    from .conftest import make_slot

    slot = make_slot(gate, capacity=places, hours_ahead=30)
    owners = []
    declarations = []
    for i in range(companies):
        company = factories.CompanyFactory()
        owners.append(factories.operator_user(company))
        for _ in range(attempts // companies + (1 if i < attempts % companies else 0)):
            declarations.append(
                (factories.DeclarationFactory(company=company, state="submitted", gate=gate), i)
            )
    return slot, [(d, owners[i]) for d, i in declarations]


def fire_attempts(slot: Slot, work: list, *, threads: int = 24) -> Counter:
    """Run booking_create for every (declaration, owner) on `threads` threads; count outcomes."""
    outcomes: Counter = Counter()
    lock = threading.Lock()
    barrier = threading.Barrier(threads)
    chunks = [work[i::threads] for i in range(threads)]

    def run(chunk: list) -> None:
        try:
            barrier.wait()
            for declaration, owner in chunk:
                try:
                    services.booking_create(declaration=declaration, slot=slot, actor=owner)
                    result = "ok"
                except Conflict as exc:
                    result = exc.code
                except Exception as exc:  # any other error is a failure the test reports
                    result = f"error:{type(exc).__name__}:{exc}"
                with lock:
                    outcomes[result] += 1
        finally:
            connections.close_all()  # each thread opened its own connection; give it back

    pool = [threading.Thread(target=run, args=(c,)) for c in chunks]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return outcomes


def _race(work: list, call, *, threads: int) -> Counter:  # type: ignore[no-untyped-def]
    """Run call(item) for every item on `threads` threads released together; count outcomes."""
    outcomes: Counter = Counter()
    lock = threading.Lock()
    barrier = threading.Barrier(threads)

    def run(chunk: list) -> None:
        try:
            barrier.wait()
            for item in chunk:
                try:
                    result = call(item)
                except Conflict as exc:
                    result = exc.code
                except Exception as exc:  # any other error is a failure the test reports
                    result = f"error:{type(exc).__name__}:{exc}"
                with lock:
                    outcomes[result] += 1
        finally:
            connections.close_all()

    pool = [threading.Thread(target=run, args=(work[i::threads],)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return outcomes


def rebook_race(*, gate, moving: int = 40, places: int = 10, threads: int = 8) -> dict:  # type: ignore[no-untyped-def]
    """`moving` confirmed bookings rebook at once into a slot of `places` places: exactly `places`
    move, the others stay where they were, and no slot counts a place nobody holds."""
    from .conftest import make_slot

    source = make_slot(gate, capacity=moving, hours_ahead=30)
    target = make_slot(gate, capacity=places, hours_ahead=31)
    bookings = []
    for i in range(moving):
        if i % 10 == 0:
            company = factories.CompanyFactory()
            owner = factories.operator_user(company)
        declaration = factories.DeclarationFactory(company=company, state="submitted", gate=gate)
        bookings.append((services.booking_create(declaration=declaration, slot=source, actor=owner), owner))
    connections.close_all()
    outcomes = _race(
        bookings,
        lambda item: services.booking_rebook(booking=item[0], slot=target, actor=item[1]) and "ok",
        threads=threads,
    )
    source.refresh_from_db()
    target.refresh_from_db()
    return {
        "outcomes": dict(outcomes),
        "booked": [source.booked, target.booked],
        "live": [
            Booking.objects.filter(slot=s, state__in=LIVE_BOOKING_STATES).count() for s in (source, target)
        ],
    }


def call_forward_race(*, gate, trucks: int = 20, accepted: int = 11, per_tick: int = 3) -> dict:  # type: ignore[no-untyped-def]
    """Two call-forward runners, six runs each, on a yard of `trucks` ready trucks."""
    from django.utils import timezone

    from cuakhau.transitions.models import TransitionLog
    from queueing.models import BookingState, PartnerAcceptance

    from .conftest import make_declaration, make_slot

    gate.lane_release_per_tick = per_tick
    gate.save()
    PartnerAcceptance.objects.create(gate=gate, date=timezone.localdate(), accepted=accepted)
    slot = make_slot(gate, hours_ahead=0.5, capacity=trucks)
    company = factories.CompanyFactory()
    owner = factories.operator_user(company)
    for _ in range(trucks):
        declaration = make_declaration(company, state="cleared", gate=gate)
        services.booking_check_in(
            booking=services.booking_create(declaration=declaration, slot=slot, actor=owner)
        )
    connections.close_all()
    runs: list[list[int]] = []
    outcomes = _race(
        [gate] * 12, lambda g: runs.append(services.call_forward_run(gate=g)) or "ran", threads=2
    )
    called = [pk for run in runs for pk in run]
    return {
        "outcomes": dict(outcomes),
        "called": len(called),
        "distinct": len(set(called)),
        "largest_run": max(len(run) for run in runs),
        "state_called": Booking.objects.filter(state=BookingState.CALLED).count(),
        "logged": TransitionLog.objects.filter(transition="call").count(),
    }
