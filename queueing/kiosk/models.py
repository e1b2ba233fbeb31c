"""Devices at the lanes and the append-only log of everything that happens at the gate.

A Device is a camera or scanner bound to one gate and lane. Its key is shown once when it is
made and stored only as a SHA-256 hash: the key is 40 random bytes, so a slow password hash
would buy nothing and cost every camera scan tens of milliseconds. The short `key_prefix` finds
the row through a unique index; the hash is then compared in constant time.

A GateEvent is written for every scan and every action, whoever made it (device or staff).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cuakhau.transitions.models import AppendOnlyModel
from queueing.models import Booking
from vehicles.models import Direction, Gate


class Device(models.Model):
    gate = models.ForeignKey(Gate, on_delete=models.PROTECT, related_name="devices", verbose_name=_("gate"))
    lane = models.CharField(_("lane"), max_length=20)
    name = models.CharField(_("name"), max_length=80, blank=True)
    direction = models.CharField(
        _("direction"),
        max_length=10,
        choices=Direction.choices,
        blank=True,
        help_text=_("Empty when the lane takes every direction"),
    )
    key_prefix = models.CharField(_("key prefix"), max_length=16, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False, verbose_name=_("key hash"))
    is_active = models.BooleanField(_("active"), default=True)
    last_seen = models.DateTimeField(_("last seen"), null=True, blank=True, editable=False)
    created = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))

    class Meta:
        ordering = ["gate", "lane", "id"]
        verbose_name = _("device")
        verbose_name_plural = _("devices")

    def __str__(self) -> str:
        label = self.name or _("device")
        return f"{label} ({self.gate.code} / {self.lane})"

    @property
    def label(self) -> str:
        """How the transition log and gate events name this device."""
        return f"device:{self.gate.code}-{self.lane}#{self.pk}"


class Verdicts(models.TextChoices):
    ALLOW = "allow", _("Allow")
    CHECK = "check", _("Check")
    DENY = "deny", _("Deny")


class Actions(models.TextChoices):
    ADMIT = "admit", _("Admit to the yard")
    INSPECT = "inspect", _("Inspection")
    RELEASE = "release", _("Release to the lane")
    EXIT = "exit", _("Record exit")


class EventKind(models.TextChoices):
    SCAN = "scan", _("Scan")
    ACTION = "action", _("Action")


class GateEvent(AppendOnlyModel):
    kind = models.CharField(_("kind"), max_length=10, choices=EventKind.choices, default=EventKind.SCAN)
    # Every index is paid on each scan's INSERT: foreign keys get none of their own (the Meta
    # indexes below serve the lookups that happen; devices and staff are deactivated, not deleted).
    gate = models.ForeignKey(
        Gate, on_delete=models.PROTECT, related_name="gate_events", verbose_name=_("gate"), db_index=False
    )
    lane = models.CharField(_("lane"), max_length=20, blank=True)
    device = models.ForeignKey(
        Device,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="events",
        verbose_name=_("device"),
        db_index=False,
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="gate_events",
        verbose_name=_("staff"),
        db_index=False,
    )
    raw = models.CharField(_("raw read"), max_length=200, blank=True)
    plate_canonical = models.CharField(_("canonical plate"), max_length=40, blank=True)
    ticket = models.CharField(_("ticket"), max_length=40, blank=True)
    verdict = models.CharField(_("verdict"), max_length=10, choices=Verdicts.choices)
    reason_code = models.CharField(_("reason code"), max_length=40)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    # A scan: the one action its verdict allowed. An action event: the action performed.
    action = models.CharField(_("action"), max_length=10, choices=Actions.choices, blank=True)
    flags = models.JSONField(_("flags"), default=list, blank=True)
    candidates = models.JSONField(_("candidates"), default=list, blank=True)
    booking = models.ForeignKey(
        Booking,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="gate_events",
        verbose_name=_("booking"),
        db_index=False,
    )
    scan = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="actions",
        help_text=_("For an action: the scan whose verdict allowed it"),
        verbose_name=_("scan"),
        db_index=False,
    )
    state_after = models.CharField(_("booking state after"), max_length=20, blank=True)
    created = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        ordering = ["-created", "-id"]
        indexes = [
            # a gate's log, newest first (admin, dashboard)
            models.Index(fields=["gate", "-created"], name="gateevent_gate_time_idx"),
            # a booking's events; scans that found no booking are not in it
            models.Index(
                fields=["booking", "-created"],
                condition=models.Q(booking__isnull=False),
                name="gateevent_booking_time_idx",
            ),
            # the kiosk's "already departed" lookup: exits only, not every read of the plate
            models.Index(
                fields=["plate_canonical", "-created"],
                condition=models.Q(kind=EventKind.ACTION, action=Actions.EXIT, state_after="departed"),
                name="gateevent_exit_plate_idx",
            ),
            # the actions taken on a scan (one scan, one action); scans themselves are not in it
            models.Index(fields=["scan"], condition=models.Q(scan__isnull=False), name="gateevent_scan_idx"),
        ]
        verbose_name = _("gate event")
        verbose_name_plural = _("gate events")

    def __str__(self) -> str:
        who = self.plate_canonical or self.ticket or self.raw or "-"
        return f"{self.gate_id} {self.kind} {who}: {self.verdict}/{self.reason_code}"

    @property
    def by(self) -> str:
        if self.device_id:
            return f"device #{self.device_id}"
        return self.staff.get_username() if self.staff is not None else "-"
