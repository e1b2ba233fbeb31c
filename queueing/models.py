"""Capacity (templates, overrides, slots), bookings and the yard.

Capacity is taken with one conditional UPDATE on Slot.booked (see services), and the database
refuses booked > capacity anyway (CheckConstraint).
"""

from __future__ import annotations

import zoneinfo
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from cuakhau.accounts.roles import Role
from cuakhau.transitions.permissions import by_system
from declarations.models import Declaration
from vehicles.models import Company, Direction, Gate, Vehicle
from vehicles.selectors import company_for_user, user_works_at_gate

# The calendar day of a booking, for the one-booking-per-vehicle-per-day rule.
GATE_DAY_ZONE = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")


class GateDay(TruncDate):
    """The calendar day at the gates (Asia/Ho_Chi_Minh) of a moment: usable in a constraint."""

    def __init__(self, expression: Any, **extra: Any) -> None:
        super().__init__(expression, tzinfo=GATE_DAY_ZONE, **extra)


class CapacityTemplate(models.Model):
    """A weekly rule: on this weekday, between opening and closing, slots of this capacity."""

    gate = models.ForeignKey(
        Gate, on_delete=models.CASCADE, related_name="capacity_templates", verbose_name=_("gate")
    )
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    weekday = models.PositiveSmallIntegerField(
        _("weekday"),
        choices=[(i, d) for i, d in enumerate(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"])],
    )
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))
    slot_minutes = models.PositiveSmallIntegerField(_("slot length (minutes)"), default=60)
    capacity = models.PositiveIntegerField(_("trucks per slot"))

    class Meta:
        ordering = ["gate", "direction", "weekday", "opens"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes__gt=models.F("opens")), name="template_opens_before_closes"
            ),
            models.CheckConstraint(
                condition=models.Q(slot_minutes__gt=0), name="template_slot_minutes_positive"
            ),
        ]
        verbose_name = _("capacity template")
        verbose_name_plural = _("capacity templates")

    def __str__(self) -> str:
        return f"{self.gate.code} {self.direction} {self.get_weekday_display()} {self.opens}-{self.closes} ×{self.capacity}"


class OverrideKind(models.TextChoices):
    CLOSED = "closed", _("Closed (holiday, closure)")
    CAPACITY = "capacity", _("Different capacity")
    EXTRA_HOURS = "extra_hours", _("Extra hours")


class CapacityOverride(models.Model):
    """A date-specific change to the weekly template."""

    gate = models.ForeignKey(
        Gate, on_delete=models.CASCADE, related_name="capacity_overrides", verbose_name=_("gate")
    )
    direction = models.CharField(
        _("direction"),
        max_length=10,
        choices=Direction.choices,
        blank=True,
        help_text=_("Empty = all directions"),
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=20, choices=OverrideKind.choices)
    opens = models.TimeField(_("from"), null=True, blank=True)
    closes = models.TimeField(_("until"), null=True, blank=True)
    capacity = models.PositiveIntegerField(_("trucks per slot"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200)

    class Meta:
        ordering = ["gate", "date"]
        verbose_name = _("capacity override")
        verbose_name_plural = _("capacity overrides")

    def __str__(self) -> str:
        return f"{self.gate.code} {self.date} {self.kind}"


class Slot(models.Model):
    gate = models.ForeignKey(Gate, on_delete=models.CASCADE, related_name="slots", verbose_name=_("gate"))
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    capacity = models.PositiveIntegerField(_("capacity"))
    booked = models.PositiveIntegerField(_("booked"), default=0)
    is_closed = models.BooleanField(default=False, verbose_name=_("closed"))

    class Meta:
        ordering = ["gate", "direction", "start"]
        constraints = [
            models.UniqueConstraint(fields=["gate", "direction", "start"], name="slot_unique_start"),
            models.CheckConstraint(
                condition=models.Q(booked__lte=models.F("capacity")), name="slot_never_overbooked"
            ),
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="slot_end_after_start"
            ),
        ]
        verbose_name = _("slot")
        verbose_name_plural = _("slots")

    def __str__(self) -> str:
        local = timezone.localtime(self.start)
        return f"{self.gate.code} {self.direction} {local:%Y-%m-%d %H:%M}"

    @property
    def available(self) -> int:
        return 0 if self.is_closed else max(self.capacity - self.booked, 0)


# Who may fire a booking transition (django-fsm `permission=`); the services call
# `require_transition` before firing (cuakhau/transitions/permissions.py). The system
# (actor None: sweeps, call-forward, the waitlist, a declaration's end, a kiosk device
# authorised for its gate) passes.
def _by_gate_staff(booking: Any, user: Any) -> bool:
    """The yard and the lane (admit, inspect, call, release): gate staff of the booking's gate,
    the people the kiosk lets work there."""
    return user_works_at_gate(user, booking.gate_id, (Role.GATE_STAFF,))


def _by_owner_or_gate_manager(booking: Any, user: Any) -> bool:
    """Cancel or move a confirmed booking: an operator of its company, or a manager of its gate
    (closing or shrinking a slot moves or cancels its bookings)."""
    company = company_for_user(user)  # cached on the user: the owner check already read it
    if company is not None and company.pk == booking.company_id:
        return True
    return user_works_at_gate(user, booking.gate_id, (Role.GATE_MANAGER,))


class BookingState(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    IN_YARD = "in_yard", _("In the yard")
    INSPECTION = "inspection", _("At inspection")
    CALLED = "called", _("Called to the lane")
    DEPARTED = "departed", _("Departed")
    CANCELLED = "cancelled", _("Cancelled")
    NO_SHOW = "no_show", _("No-show")


B = BookingState
LIVE_BOOKING_STATES = [B.CONFIRMED, B.IN_YARD, B.INSPECTION, B.CALLED]


class Booking(ConcurrentTransitionMixin, models.Model):
    declaration = models.ForeignKey(
        Declaration, on_delete=models.PROTECT, related_name="bookings", verbose_name=_("declaration")
    )
    slot = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="bookings", verbose_name=_("slot"))
    # Denormalised from the declaration and slot for the kiosk's and the yard's index lookups.
    # gate and company lead composite indexes (yard_queue_idx, booking_company_day_idx), which
    # serve their foreign keys too: no single-column index of their own.
    gate = models.ForeignKey(
        Gate, on_delete=models.PROTECT, related_name="bookings", db_index=False, verbose_name=_("gate")
    )
    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="bookings", db_index=False, verbose_name=_("company")
    )
    vehicle = models.ForeignKey(
        Vehicle, on_delete=models.PROTECT, related_name="bookings", verbose_name=_("vehicle")
    )
    plate_canonical = models.CharField(max_length=20, verbose_name=_("canonical plate"))
    slot_start = models.DateTimeField(verbose_name=_("slot start"))
    perishable = models.BooleanField(default=False, verbose_name=_("perishable"))
    state = FSMField(_("state"), default=B.CONFIRMED, choices=B.choices, protected=True, max_length=20)
    # Unique through a constraint (see Meta): one index, without the pattern-ops twin that
    # `unique=True` adds on PostgreSQL for LIKE queries nobody makes.
    ticket = models.CharField(_("ticket"), max_length=40)
    inspection_required = models.BooleanField(default=False, verbose_name=_("inspection required"))
    inspection_passed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("inspection passed at"))
    checked_in_at = models.DateTimeField(null=True, blank=True, verbose_name=_("checked in at"))
    called_at = models.DateTimeField(null=True, blank=True, verbose_name=_("called at"))
    departed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("departed at"))
    closed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("closed at"))
    reminder_sent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("reminder sent at"))
    close_reason = models.CharField(max_length=200, blank=True, verbose_name=_("close reason"))
    created = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))

    class Meta:
        ordering = ["-created", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["declaration"],
                condition=models.Q(state__in=["confirmed", "in_yard", "inspection", "called"]),
                name="one_live_booking_per_declaration",
            ),
            # One truck, one live place a day, whatever declarations it has (no hoarding): the day
            # at the gates (all in Asia/Ho_Chi_Minh). services/bookings.py says which booking holds it.
            models.UniqueConstraint(
                models.F("plate_canonical"),
                GateDay("slot_start"),
                condition=models.Q(state__in=["confirmed", "in_yard", "inspection", "called"]),
                name="one_live_booking_per_vehicle_per_day",
            ),
            models.UniqueConstraint(fields=["ticket"], name="booking_ticket_unique"),
        ]
        indexes = [
            models.Index(
                fields=["gate", "state", "perishable", "slot_start", "checked_in_at"], name="yard_queue_idx"
            ),
            # The kiosk's plate lookups (exact and fuzzy) look at live bookings only: a small
            # index that a truck's years of departed trips never grow.
            models.Index(
                fields=["plate_canonical"],
                condition=models.Q(state__in=["confirmed", "in_yard", "inspection", "called"]),
                name="booking_live_plate_idx",
            ),
            models.Index(fields=["state", "slot_start"], name="booking_due_idx"),
            models.Index(fields=["company", "gate", "slot_start"], name="booking_company_day_idx"),
        ]
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")

    def __str__(self) -> str:
        return f"{self.ticket} ({self.state})"

    @property
    def is_live(self) -> bool:
        return self.state in LIVE_BOOKING_STATES

    @transition(field=state, source=B.CONFIRMED, target=B.IN_YARD, permission=_by_gate_staff)
    def check_in(self) -> None:
        self.checked_in_at = timezone.now()

    @transition(field=state, source=B.IN_YARD, target=B.INSPECTION, permission=_by_gate_staff)
    def send_to_inspection(self) -> None:
        pass

    @transition(field=state, source=B.INSPECTION, target=B.IN_YARD, permission=_by_gate_staff)
    def pass_inspection(self) -> None:
        self.inspection_passed_at = timezone.now()

    @transition(field=state, source=B.IN_YARD, target=B.CALLED, permission=_by_gate_staff)
    def call(self) -> None:
        self.called_at = timezone.now()

    @transition(field=state, source=B.CALLED, target=B.DEPARTED, permission=_by_gate_staff)
    def depart(self) -> None:
        self.departed_at = timezone.now()
        self.closed_at = self.departed_at

    @transition(field=state, source=B.CONFIRMED, target=B.CANCELLED, permission=_by_owner_or_gate_manager)
    def cancel(self, *, reason: str = "") -> None:
        self.closed_at = timezone.now()
        self.close_reason = reason

    @transition(
        field=state, source=[B.IN_YARD, B.INSPECTION, B.CALLED], target=B.CANCELLED, permission=by_system
    )
    def withdraw(self, *, reason: str = "") -> None:
        """The declaration ended while the truck was in the yard: it leaves without crossing."""
        self.closed_at = timezone.now()
        self.close_reason = reason

    @transition(field=state, source=B.CONFIRMED, target=B.NO_SHOW, permission=by_system)
    def mark_no_show(self) -> None:
        self.closed_at = timezone.now()
        self.close_reason = "no-show"

    @transition(field=state, source=B.CONFIRMED, target=B.CONFIRMED, permission=_by_owner_or_gate_manager)
    def move(self, *, slot: Slot) -> None:
        """Rebooked by the operator, or moved by the gate (closure, shrink): a new slot."""
        self.slot = slot
        self.slot_start = slot.start
        self.reminder_sent_at = None


class WaitlistState(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    OFFERED = "offered", _("Told a place is free")
    BOOKED = "booked", _("Booked automatically")
    LEFT = "left", _("Left the waitlist")
    LAPSED = "lapsed", _("Lapsed (could not be booked)")


class WaitlistEntry(models.Model):
    """A declaration waiting for a place in a full slot; served first come, first served."""

    slot = models.ForeignKey(Slot, on_delete=models.CASCADE, related_name="waitlist", verbose_name=_("slot"))
    declaration = models.ForeignKey(
        Declaration, on_delete=models.CASCADE, related_name="waitlist_entries", verbose_name=_("declaration")
    )
    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="waitlist_entries", verbose_name=_("company")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    auto_book = models.BooleanField(
        _("book automatically"),
        default=False,
        help_text=_("Book the freed place at once instead of telling me"),
    )
    state = models.CharField(
        _("state"), max_length=10, choices=WaitlistState.choices, default=WaitlistState.WAITING
    )
    created = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))
    served_at = models.DateTimeField(null=True, blank=True, verbose_name=_("served at"))
    note = models.CharField(max_length=200, blank=True, verbose_name=_("note"))

    class Meta:
        ordering = ["slot", "created", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["slot", "declaration"],
                condition=models.Q(state="waiting"),
                name="one_waiting_entry_per_slot_and_declaration",
            )
        ]
        indexes = [models.Index(fields=["slot", "state", "created"], name="waitlist_order_idx")]
        verbose_name = _("waitlist entry")
        verbose_name_plural = _("waitlist")

    def __str__(self) -> str:
        return f"{self.declaration} waits for {self.slot} ({self.state})"


class PartnerAcceptance(models.Model):
    """How many trucks the partner (Chinese) side accepts through this gate on a day."""

    gate = models.ForeignKey(
        Gate, on_delete=models.CASCADE, related_name="partner_acceptances", verbose_name=_("gate")
    )
    date = models.DateField(_("date"))
    accepted = models.PositiveIntegerField(_("trucks accepted by the partner side"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    updated = models.DateTimeField(auto_now=True, verbose_name=_("updated"))

    class Meta:
        ordering = ["gate", "-date"]
        constraints = [
            models.UniqueConstraint(fields=["gate", "date"], name="one_partner_acceptance_per_gate_day")
        ]
        verbose_name = _("partner acceptance")
        verbose_name_plural = _("partner acceptances")

    def __str__(self) -> str:
        return f"{self.gate.code} {self.date}: {self.accepted}"
