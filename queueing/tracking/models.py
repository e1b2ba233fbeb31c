"""Trucks en route: the positions they report and the arrival estimate of each booked truck.

Position is an append-only log with one row per GPS fix. On PostgreSQL the table is range
partitioned by day (see `partitions.py` and docs/tracking.md): a year of fixes stays fast to
write, and deleting old ones drops whole partitions instead of deleting rows. On SQLite it is a
plain table. TripEstimate is one small row per booking, rewritten as fixes arrive.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from queueing.models import Booking, Slot
from vehicles.models import Gate


class Source(models.TextChoices):
    PHONE = "phone", _("Driver's phone")
    FLEET = "fleet", _("Fleet-tracking system")


class Position(models.Model):
    """One fix of a truck on a live trip (booking). Never updated; deleted by the retention sweep.

    No database foreign key to the booking: every fix would otherwise take a share lock on the
    booking row (queueing behind rebooks and check-ins), and the rows leave by whole partitions.
    Bookings are never deleted, so the reference cannot dangle.
    """

    id = models.BigAutoField(primary_key=True)
    booking = models.ForeignKey(
        Booking, on_delete=models.DO_NOTHING, db_constraint=False, related_name="positions"
    )
    time = models.DateTimeField(_("time of the fix"))
    lat = models.FloatField(_("latitude"))
    lon = models.FloatField(_("longitude"))
    speed_kmh = models.FloatField(_("speed (km/h)"), null=True, blank=True)
    accuracy_m = models.FloatField(_("accuracy (m)"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=5, choices=Source.choices)
    received = models.DateTimeField(_("received"))

    class Meta:
        ordering = ["booking", "time"]
        constraints = [
            # A repeated fix (same truck, same instant) is a duplicate: ON CONFLICT DO NOTHING.
            models.UniqueConstraint(fields=["booking", "time"], name="position_one_fix_per_instant")
        ]
        verbose_name = _("position")

    def __str__(self) -> str:
        return f"{self.booking_id} {self.time:%Y-%m-%d %H:%M:%S} {self.lat:.5f},{self.lon:.5f}"


class TripEstimate(models.Model):
    """The arrival estimate of one booked truck, recomputed from its recent fixes as they come.

    `track` keeps the recent fixes the estimate needs (about one a minute over the last half
    hour), so a new fix costs no read of the position table.
    """

    booking = models.OneToOneField(
        Booking, on_delete=models.CASCADE, primary_key=True, related_name="trip_estimate"
    )
    gate = models.ForeignKey(Gate, on_delete=models.CASCADE, related_name="trip_estimates")
    last_fix_at = models.DateTimeField(_("last fix"))
    lat = models.FloatField(_("latitude"))
    lon = models.FloatField(_("longitude"))
    distance_km = models.FloatField(_("distance to the gate (km, straight)"))
    road_km = models.FloatField(_("distance by road (km, estimated)"))
    speed_kmh = models.FloatField(_("speed used (km/h)"))
    speed_basis = models.CharField(max_length=10)  # observed | reported | assumed
    eta = models.DateTimeField(_("expected arrival"))
    late = models.BooleanField(_("late"), default=False)
    track = models.JSONField(default=list)
    updated = models.DateTimeField(_("updated"))
    # Told once per slot: the slot the operator was warned about (a rebook may warn again).
    flagged_at = models.DateTimeField(_("warned"), null=True, blank=True)
    flagged_slot = models.ForeignKey(Slot, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["gate", "eta"], name="tripestimate_gate_eta_idx")]
        verbose_name = _("arrival estimate")

    def __str__(self) -> str:
        return f"{self.booking_id} → {self.gate_id} {self.eta:%H:%M}"


class TrackingConsent(models.Model):
    """A person agreed to share their phone's position for one trip (withdrawn by deleting)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="tracking_consents")
    agreed_at = models.DateTimeField(_("agreed at"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "booking"], name="one_consent_per_user_and_trip")
        ]
        verbose_name = _("tracking consent")

    def __str__(self) -> str:
        return f"{self.user} shares trip {self.booking_id}"
