"""Writes of trucks en route: positions in, arrival estimates updated, late trucks warned once,
the one-tap rebook, consent, and the retention sweep.

1. `positions_ingest` (fleet systems, API) and `position_record` (a driver's phone) validate,
   then `_store` writes the fixes and the estimates, all or nothing (`ingest_sql.write`: one
   statement on PostgreSQL).
2. A confirmed truck whose estimate passes the end of its entry window is then flagged with one
   conditional UPDATE (so once per slot, however many fixes race) and, in the same transaction,
   its people are told, with the first slot it can reach. Should that fail, the flag is not set
   and the next fix tries again.
3. `trip_rebook_reachable` is that offer's one tap: the atomic `booking_rebook` of queueing.
4. `positions_sweep` (beat) deletes positions older than TRACKING_RETENTION_DAYS: whole day
   partitions on PostgreSQL, rows on SQLite.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cuakhau.errors import Conflict, DomainError, NotAllowed, NotFound
from cuakhau.notifications.services import notify
from queueing.models import Booking, BookingState, Slot
from queueing.services import booking_rebook
from queueing.services._common import booking_payload, owners, window_text
from vehicles.plates import canonical_plate

from . import ingest_sql, partitions, rules, selectors
from .models import Position, Source, TrackingConsent, TripEstimate

MAX_FIXES_PER_REQUEST = 500


@dataclass(frozen=True)
class Fix:
    plate: str
    time: dt.datetime
    lat: float
    lon: float
    speed_kmh: float | None = None
    accuracy_m: float | None = None


def positions_ingest(
    *, actor: Any, fixes: Sequence[Fix], source: str = Source.FLEET, many: bool = True
) -> list[TripEstimate]:
    """Store fixes a company sends for its own trucks; returns the updated estimates.

    Every plate must be a vehicle of the actor's company with a live booking; otherwise nothing
    is stored and the error names each bad fix (a list aligned with the fixes when `many`).
    """
    if not fixes:
        raise DomainError(_("Send at least one position."), code="invalid")
    if len(fixes) > MAX_FIXES_PER_REQUEST:
        raise DomainError(
            _("Send at most %(n)s positions per request.") % {"n": MAX_FIXES_PER_REQUEST}, code="invalid"
        )
    canonical = [canonical_plate(f.plate) for f in fixes]
    trips = ingest_sql.live_trips(plates=canonical, user_id=actor.pk)
    errors = _time_problems(fixes)
    for error, fix, plate in zip(errors, fixes, canonical, strict=True):
        if plate not in trips:
            error["plate"] = [
                _("%(plate)s is not a vehicle of your company with a live booking.") % {"plate": fix.plate}
            ]
    if any(errors):
        raise DomainError(errors if many else errors[0], code="invalid")
    return _store([(trips[plate], fix) for fix, plate in zip(fixes, canonical, strict=True)], source=source)


def position_record(*, actor: Any, booking: Booking, fix: Fix) -> TripEstimate:
    """A fix from the "I am driving" page: the actor drives this trip and agreed to share it."""
    driven = selectors.drivable_trips(actor).filter(pk=booking.pk).first()
    if driven is None:
        raise NotFound(_("This trip is not one you drive, or it has ended."), code="not_live")
    booking = driven
    if not selectors.has_consent(user=actor, booking=booking):
        raise NotAllowed(_("Agree to share your position first."), code="no_consent")
    errors = _time_problems([fix])
    if errors[0]:
        raise DomainError(errors[0], code="invalid")
    trip = ingest_sql.live_trips(plates=[booking.plate_canonical], booking_id=booking.pk).get(
        booking.plate_canonical
    )
    if trip is None:  # ended a moment ago
        raise NotFound(_("This trip is not one you drive, or it has ended."), code="not_live")
    return _store([(trip, fix)], source=Source.PHONE)[0]


def _time_problems(fixes: Sequence[Fix]) -> list[dict[str, list[str]]]:
    now = timezone.now()
    problems = [rules.fix_time_problem(f.time, now=now) for f in fixes]
    return [{"time": [p]} if p else {} for p in problems]


def _store(items: list[tuple[ingest_sql.Trip, Fix]], *, source: str) -> list[TripEstimate]:
    """Write the fixes (a repeated fix is ignored) and each trip's new estimate, then warn."""
    now = timezone.now()
    per_trip: dict[int, list[Fix]] = defaultdict(list)
    trips: dict[int, ingest_sql.Trip] = {}
    rows = {}
    for trip, fix in items:
        trips[trip.booking_id] = trip
        per_trip[trip.booking_id].append(fix)
        rows[(trip.booking_id, fix.time)] = ingest_sql.PositionRow(
            trip.booking_id, fix.time, fix.lat, fix.lon, fix.speed_kmh, fix.accuracy_m, source, now
        )
    estimates = [
        _estimate(trips[pk], sorted(fs, key=lambda f: f.time), now=now) for pk, fs in per_trip.items()
    ]
    ingest_sql.write(list(rows.values()), estimates)
    for estimate in estimates:
        trip = trips[estimate.booking_id]
        if estimate.late and trip.state == BookingState.CONFIRMED and trip.flagged_slot_id != trip.slot_id:
            with transaction.atomic():
                _warn_late(estimate, now=now)
    return estimates


def _estimate(trip: ingest_sql.Trip, fixes: list[Fix], *, now: dt.datetime) -> TripEstimate:
    """The trip's estimate after its new fixes (in time order); older fixes change nothing."""
    track = list(trip.track)
    for fix in fixes:
        track = rules.track_add(track, time=fix.time, lat=fix.lat, lon=fix.lon)
    newest = max(fixes, key=lambda f: f.time)
    if trip.last_fix_at is not None and newest.time <= trip.last_fix_at:
        # A late delivery of older fixes: stored, but the estimate stands.
        return TripEstimate.objects.get(booking_id=trip.booking_id)
    found = rules.estimate(
        gate=trip.gate, time=newest.time, lat=newest.lat, lon=newest.lon, track=track,
        reported_kmh=newest.speed_kmh,
    )  # fmt: skip
    return TripEstimate(
        booking_id=trip.booking_id,
        gate_id=trip.gate.pk,
        last_fix_at=newest.time,
        lat=newest.lat,
        lon=newest.lon,
        distance_km=found.distance_km,
        road_km=found.road_km,
        speed_kmh=found.speed_kmh,
        speed_basis=found.basis,
        eta=found.eta,
        late=rules.is_late(gate=trip.gate, slot_end=trip.slot_end, eta=found.eta),
        track=track,
        updated=now,
        flagged_at=trip.flagged_at,
        flagged_slot_id=trip.flagged_slot_id,
    )


def _warn_late(estimate: TripEstimate, *, now: dt.datetime) -> None:
    """Flag a late trip for its current slot (once: a conditional UPDATE) and tell its people."""
    booking = Booking.objects.select_related(
        "declaration", "declaration__driver", "gate", "vehicle", "slot"
    ).get(pk=estimate.booking_id)
    claimed = (
        TripEstimate.objects.filter(booking_id=booking.pk)
        .filter(Q(flagged_slot__isnull=True) | ~Q(flagged_slot_id=booking.slot_id))
        .update(flagged_at=now, flagged_slot_id=booking.slot_id)
    )
    if not claimed:
        return
    estimate.flagged_at, estimate.flagged_slot_id = now, booking.slot_id
    offer = selectors.first_reachable_slot(booking, estimate.eta, now=now)
    payload = booking_payload(
        booking,
        eta=f"{timezone.localtime(estimate.eta):%Y-%m-%d %H:%M}",
        distance=f"{estimate.road_km:.0f}",
        offer=window_text(offer) if offer else "",
        offer_slot=offer.pk if offer else None,
    )
    notify(
        event="booking.late" if offer else "booking.late_no_slot",
        recipients=owners(booking),
        subject_type="trip",
        subject_id=booking.pk,
        payload=payload,
        dedupe=f"slot:{booking.slot_id}",
    )


def trip_rebook_reachable(*, booking: Booking, slot: Slot, actor: Any) -> Booking:
    """The warning's one tap: move the booking to `slot`, which the truck must be able to reach
    by its current estimate; the rebook itself is queueing's atomic one."""
    estimate = selectors.estimate_for(booking)
    if estimate is None:
        raise Conflict(_("This truck has sent no position yet."), code="no_estimate")
    reachable = selectors.first_reachable_slot(booking, estimate.eta)
    if reachable is None or reachable.pk != slot.pk:
        raise Conflict(
            _("That slot is no longer the first one the truck can reach; look at the new offer."),
            code="offer_changed",
        )
    booking = booking_rebook(booking=booking, slot=slot, actor=actor, actor_label="late-offer")
    TripEstimate.objects.filter(booking_id=booking.pk).update(
        late=rules.is_late(gate=booking.gate, slot_end=booking.slot.end, eta=estimate.eta)
    )
    return booking


def consent_give(*, actor: Any, booking: Booking) -> TrackingConsent:
    trip = selectors.drivable_trips(actor).filter(pk=booking.pk).first()
    if trip is None:
        raise NotFound(_("This trip is not one you drive, or it has ended."), code="not_live")
    consent, _created = TrackingConsent.objects.get_or_create(
        user_id=actor.pk, booking_id=trip.pk, defaults={"agreed_at": timezone.now()}
    )
    return consent


def consent_withdraw(*, actor: Any, booking: Booking) -> None:
    TrackingConsent.objects.filter(user_id=actor.pk, booking_id=booking.pk).delete()


@dataclass(frozen=True)
class SweepResult:
    partitions_dropped: int
    positions_deleted: int
    estimates_deleted: int


def positions_sweep(*, now: dt.datetime | None = None) -> SweepResult:
    """Forget positions TRACKING_RETENTION_DAYS after they were recorded (so at the latest that
    long after their trip ended), with the estimates and consents of trips ended that long ago.

    1. PostgreSQL: make the partitions of the coming days; drop every day partition that ended
       before the cutoff (no row-by-row delete, nothing to vacuum).
    2. Delete the remaining older rows as rows (on PostgreSQL only the partition the cutoff
       falls in and the default one hold any; on SQLite, the whole table).
    3. Delete estimates and consents of bookings closed before the cutoff.
    """
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.TRACKING_RETENTION_DAYS)
    dropped = 0
    if connection.vendor == "postgresql":
        partitions.ensure(start=now.date() - dt.timedelta(days=1), days=4)
        dropped = len(partitions.drop_before(cutoff))
    deleted, _by_model = Position.objects.filter(time__lt=cutoff).delete()
    ended = Q(booking__closed_at__lt=cutoff) | Q(updated__lt=cutoff)
    estimates, _by_model = TripEstimate.objects.filter(ended).delete()
    TrackingConsent.objects.filter(booking__closed_at__lt=cutoff).delete()
    return SweepResult(partitions_dropped=dropped, positions_deleted=deleted, estimates_deleted=estimates)
