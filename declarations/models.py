"""The declaration (tờ khai) of a vehicle, its driver and cargo, and the agency reviews.

State machines (django-fsm-2). Transition methods only set fields of their own object; services
(`declarations/services.py`) are the only callers: they check permissions, fire the transition
through `cuakhau.transitions.services.fire`, and notify after commit.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from cuakhau.accounts.roles import Agency
from vehicles.models import Company, Direction, Driver, Gate, Vehicle

from .codes import validate_container_number, validate_hs_code
from .kinds import DocumentKind, RuleKind
from .permissions import is_owner, may_decide
from .rule_values import validate_rule_value

MAX_REVIEW_TARGET_HOURS = 168  # a week: a longer target is a typo, not a promise


class DeclarationState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    UNDER_REVIEW = "under_review", _("Under review")
    RETURNED = "returned", _("Returned for information")
    REJECTED = "rejected", _("Rejected")
    CLEARED = "cleared", _("Cleared")
    CANCELLED = "cancelled", _("Cancelled")
    COMPLETED = "completed", _("Completed")
    EXPIRED = "expired", _("Expired")


class Channel(models.TextChoices):
    GREEN = "green", _("Green")
    YELLOW = "yellow", _("Yellow")
    RED = "red", _("Red")


class DeliveryMode(models.TextChoices):
    """How the goods leave the gate area; it changes the fee (inland 130%, wharf 30%)."""

    STANDARD = "standard", _("Standard")
    INLAND = "inland", _("Import delivered inland")
    WHARF_TRANSSHIP = "wharf_transship", _("Transshipped at the wharf only")


# Who may fire a transition (django-fsm `permission=`). django-fsm does not enforce it when a
# method is called: the services check `has_transition_perm` before firing.
def _by_owner(instance: Any, user: Any) -> bool:
    return is_owner(user, instance)


def _by_officer(instance: Any, user: Any) -> bool:
    return may_decide(user, instance)


def _by_system(instance: Any, user: Any) -> bool:
    """Fired by the workflow itself (state sync, rules, sweeps, queueing), never by a person."""
    return False


S = DeclarationState
LIVE_FOR_BOOKING = (S.SUBMITTED, S.UNDER_REVIEW, S.CLEARED)


class Declaration(ConcurrentTransitionMixin, models.Model):
    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="declarations", verbose_name=_("company")
    )
    vehicle = models.ForeignKey(
        Vehicle, on_delete=models.PROTECT, related_name="declarations", verbose_name=_("vehicle")
    )
    driver = models.ForeignKey(
        Driver, on_delete=models.PROTECT, related_name="declarations", verbose_name=_("driver")
    )
    gate = models.ForeignKey(
        Gate, on_delete=models.PROTECT, related_name="declarations", verbose_name=_("gate")
    )
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    planned_date = models.DateField(_("planned date"))
    delivery_mode = models.CharField(
        _("delivery"), max_length=20, choices=DeliveryMode.choices, default=DeliveryMode.STANDARD
    )
    temporary_import = models.BooleanField(_("temporary import / re-export"), default=False)
    state = FSMField(
        _("state"), default=S.DRAFT, choices=S.choices, protected=True, db_index=True, max_length=20
    )
    channel = models.CharField(
        _("customs channel"), max_length=10, choices=Channel.choices, null=True, blank=True
    )
    channel_reason = models.CharField(max_length=200, blank=True, verbose_name=_("channel rule"))
    required_agencies = models.JSONField(_("required agencies"), default=list, blank=True)
    round = models.PositiveSmallIntegerField(
        default=0,
        help_text=_("Submission round: 1 at first submit, +1 at each resubmission"),
        verbose_name=_("submission round"),
    )
    submitted_at = models.DateTimeField(null=True, blank=True, verbose_name=_("submitted at"))
    cleared_at = models.DateTimeField(null=True, blank=True, verbose_name=_("cleared at"))
    valid_until = models.DateTimeField(null=True, blank=True, verbose_name=_("valid until"))
    closed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("closed at"))
    created = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))
    updated = models.DateTimeField(auto_now=True, verbose_name=_("updated"))

    class Meta:
        ordering = ["-created", "-id"]
        indexes = [
            models.Index(fields=["company", "-created"]),
            models.Index(fields=["gate", "state"]),
            models.Index(fields=["state", "valid_until"]),
        ]
        verbose_name = _("declaration")
        verbose_name_plural = _("declarations")

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        return f"TK{self.pk:07d}" if self.pk else "TK-new"

    @property
    def is_perishable(self) -> bool:
        return any(line.perishable for line in self.cargo_lines.all())

    # --- transitions: set own fields only ---------------------------------------------------
    @transition(field=state, source=S.DRAFT, target=S.SUBMITTED, permission=_by_owner)
    def submit(self) -> None:
        self.round += 1
        self.submitted_at = timezone.now()

    @transition(field=state, source=S.RETURNED, target=S.SUBMITTED, permission=_by_owner)
    def resubmit(self) -> None:
        self.round += 1
        self.submitted_at = timezone.now()

    @transition(field=state, source=S.SUBMITTED, target=S.UNDER_REVIEW, permission=_by_system)
    def start_review(self) -> None:
        pass

    @transition(field=state, source=S.UNDER_REVIEW, target=S.CLEARED, permission=_by_system)
    def clear(self, *, validity: dt.timedelta) -> None:
        self.cleared_at = timezone.now()
        self.valid_until = self.cleared_at + validity

    @transition(field=state, source=S.UNDER_REVIEW, target=S.REJECTED, permission=_by_system)
    def reject(self) -> None:
        self.closed_at = timezone.now()

    @transition(field=state, source=S.UNDER_REVIEW, target=S.RETURNED, permission=_by_system)
    def return_for_info(self) -> None:
        pass

    @transition(
        field=state,
        source=[S.DRAFT, S.SUBMITTED, S.UNDER_REVIEW, S.RETURNED, S.CLEARED],
        target=S.CANCELLED,
        permission=_by_owner,
    )
    def cancel(self) -> None:
        self.closed_at = timezone.now()

    @transition(field=state, source=S.CLEARED, target=S.COMPLETED, permission=_by_system)
    def complete(self) -> None:
        self.closed_at = timezone.now()

    @transition(field=state, source=S.CLEARED, target=S.EXPIRED, permission=_by_system)
    def expire(self) -> None:
        self.closed_at = timezone.now()


# The fields a cargo line carries, in the order the admin shows them: the one list the API's
# serializer, the portal's form, the draft services (write, copy) and the admin agree on.
CARGO_FIELDS = (
    "hs_code",
    "description",
    "quantity",
    "unit",
    "gross_kg",
    "value",
    "currency",
    "origin",
    "perishable",
)


class CargoLine(models.Model):
    declaration = models.ForeignKey(
        Declaration, on_delete=models.CASCADE, related_name="cargo_lines", verbose_name=_("declaration")
    )
    description = models.CharField(_("description"), max_length=200)
    hs_code = models.CharField(_("HS code"), max_length=10, validators=[validate_hs_code])
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=3)
    unit = models.CharField(_("unit"), max_length=20)
    gross_kg = models.DecimalField(_("gross weight (kg)"), max_digits=12, decimal_places=2)
    value = models.DecimalField(_("value"), max_digits=16, decimal_places=2, default=0)
    currency = models.CharField(max_length=3, default="USD", verbose_name=_("currency"))
    origin = models.CharField(_("origin"), max_length=2, default="VN")
    perishable = models.BooleanField(_("perishable"), default=False)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="cargo_quantity_positive"),
            models.CheckConstraint(condition=models.Q(gross_kg__gt=0), name="cargo_gross_kg_positive"),
            models.CheckConstraint(condition=models.Q(value__gte=0), name="cargo_value_not_negative"),
        ]
        verbose_name = _("cargo line")
        verbose_name_plural = _("cargo lines")

    def __str__(self) -> str:
        return f"{self.hs_code} {self.description}"


class Container(models.Model):
    declaration = models.ForeignKey(
        Declaration, on_delete=models.CASCADE, related_name="containers", verbose_name=_("declaration")
    )
    number = models.CharField(_("container number"), max_length=11, validators=[validate_container_number])
    size_ft = models.PositiveSmallIntegerField(
        _("size (ft)"), choices=[(20, "20 ft"), (40, "40 ft"), (45, "45 ft")], default=40
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["declaration", "number"], name="container_unique_per_declaration")
        ]
        verbose_name = _("container")
        verbose_name_plural = _("containers")

    def __str__(self) -> str:
        return self.number


def document_path(instance: Document, filename: str) -> str:
    return f"declarations/{instance.declaration_id}/{filename}"


class Document(models.Model):
    declaration = models.ForeignKey(
        Declaration, on_delete=models.CASCADE, related_name="documents", verbose_name=_("declaration")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=DocumentKind.choices)
    file = models.FileField(_("file"), upload_to=document_path)
    original_name = models.CharField(max_length=200, blank=True, verbose_name=_("file name"))
    content_type = models.CharField(max_length=50, verbose_name=_("file type"))
    size = models.PositiveIntegerField(verbose_name=_("size (bytes)"))
    sha256 = models.CharField(max_length=64, verbose_name=_("SHA-256"))
    uploaded = models.DateTimeField(auto_now_add=True, verbose_name=_("uploaded at"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.original_name}"


class ReviewState(models.TextChoices):
    PENDING = "pending", _("Pending")
    IN_REVIEW = "in_review", _("In review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    INFO_REQUESTED = "info_requested", _("Information requested")
    CLOSED = "closed", _("Closed")


R = ReviewState
# A review that still waits for an agency: what a declaration's end closes.
OPEN_REVIEW_STATES = (R.PENDING, R.IN_REVIEW, R.INFO_REQUESTED)  # what a declaration's end closes
# Waiting for an officer's decision: the work queue's states, and the only ones that can be overdue.
AWAITING_DECISION_STATES = (R.PENDING, R.IN_REVIEW)


def overdue_q(now: Any) -> models.Q:
    """The one rule of an overdue review: waiting for a decision past its due time."""
    return models.Q(state__in=AWAITING_DECISION_STATES, due_at__lt=now)


class AgencyReview(ConcurrentTransitionMixin, models.Model):
    # The declaration's reviews, read under lock with this one by the workflow services.
    _all_reviews: list[AgencyReview]

    declaration = models.ForeignKey(
        Declaration, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("declaration")
    )
    agency = models.CharField(_("agency"), max_length=20, choices=Agency.choices)
    state = FSMField(_("state"), default=R.PENDING, choices=R.choices, protected=True, max_length=20)
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reviews",
        verbose_name=_("officer"),
    )
    note = models.TextField(_("decision note"), blank=True)
    decided_by_rule = models.CharField(max_length=80, blank=True, verbose_name=_("decided by rule"))
    # When the clock of the decision-time target started (submission or predecessor's approval).
    ready_at = models.DateTimeField(null=True, blank=True, verbose_name=_("ready at"))
    due_at = models.DateTimeField(null=True, blank=True, db_index=True, verbose_name=_("due at"))
    overdue_notified_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("overdue notice sent at")
    )
    claimed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("claimed at"))
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name=_("decided at"))
    created = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))

    class Meta:
        ordering = ["declaration_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["declaration", "agency"], name="one_review_per_agency")
        ]
        indexes = [models.Index(fields=["agency", "state", "ready_at"])]
        verbose_name = _("review")
        verbose_name_plural = _("work queue")

    def __str__(self) -> str:
        return f"{self.declaration} / {self.get_agency_display()}: {self.get_state_display()}"

    @transition(field=state, source=R.PENDING, target=R.IN_REVIEW, permission=_by_officer)
    def claim(self, *, officer: Any) -> None:
        self.officer = officer
        self.claimed_at = timezone.now()

    @transition(field=state, source=R.IN_REVIEW, target=R.APPROVED, permission=_by_officer)
    def approve(self, *, reason: str = "") -> None:
        self.note = reason
        self.decided_at = timezone.now()

    @transition(field=state, source=R.PENDING, target=R.APPROVED, permission=_by_system)
    def approve_by_rule(self, *, rule: str) -> None:
        self.decided_by_rule = rule
        self.note = rule
        self.decided_at = timezone.now()

    @transition(field=state, source=R.IN_REVIEW, target=R.REJECTED, permission=_by_officer)
    def reject(self, *, reason: str) -> None:
        self.note = reason
        self.decided_at = timezone.now()

    @transition(field=state, source=R.IN_REVIEW, target=R.INFO_REQUESTED, permission=_by_officer)
    def request_info(self, *, reason: str) -> None:
        self.note = reason
        self.decided_at = timezone.now()

    @transition(field=state, source=R.INFO_REQUESTED, target=R.PENDING, permission=_by_system)
    def reopen(self, *, ready_at: dt.datetime | None = None, due_at: dt.datetime | None = None) -> None:
        self.officer = None
        self.claimed_at = None
        self.decided_at = None
        self.overdue_notified_at = None
        self.ready_at = ready_at
        self.due_at = due_at

    @transition(field=state, source=list(OPEN_REVIEW_STATES), target=R.CLOSED, permission=_by_system)
    def close(self, *, reason: str) -> None:
        """The declaration ended (rejected, cancelled, expired): nothing is left to decide."""
        self.note = reason

    @property
    def is_decided(self) -> bool:
        return self.state in (R.APPROVED, R.REJECTED, R.INFO_REQUESTED)

    @property
    def is_overdue(self) -> bool:
        return (
            self.state in AWAITING_DECISION_STATES
            and self.due_at is not None
            and self.due_at < timezone.now()
        )


# --- routing and risk as data ----------------------------------------------------------------
class RoutingRule(models.Model):
    """One routing or risk rule a manager edits in the admin; read by `declarations.rules`.

    `value` depends on the kind: chapters "01-24,44"; prefixes "0810,4403"; a rate "0.05"; a
    document kind "phytosanitary". Empty gate = every gate; empty direction = every direction.
    """

    kind = models.CharField(_("kind"), max_length=30, choices=RuleKind.choices)
    gate = models.ForeignKey(
        Gate,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="routing_rules",
        help_text=_("Empty = every gate"),
        verbose_name=_("gate"),
    )
    direction = models.CharField(
        _("direction"),
        max_length=10,
        choices=Direction.choices,
        blank=True,
        help_text=_("Empty = every direction"),
    )
    value = models.CharField(_("value"), max_length=300, blank=True)
    seed = models.CharField(
        _("seed"),
        max_length=40,
        blank=True,
        default="cuakhau",
        help_text=_("Seed of the random sample: the same seed gives the same sample"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    updated = models.DateTimeField(auto_now=True, verbose_name=_("updated"))

    class Meta:
        ordering = ["kind", "gate__code", "id"]
        verbose_name = _("routing / risk rule")
        verbose_name_plural = _("routing / risk rules")

    def __str__(self) -> str:
        where = self.gate.code if self.gate is not None else "*"
        return f"{self.get_kind_display()} [{where}] {self.value}"

    def clean(self) -> None:
        try:
            validate_rule_value(self.kind, self.value)
        except ValueError as exc:
            raise ValidationError({"value": str(exc)})


class ReviewTarget(models.Model):
    """How long an agency may take to decide at a gate, from the moment its review is ready."""

    gate = models.ForeignKey(
        Gate, on_delete=models.CASCADE, related_name="review_targets", verbose_name=_("gate")
    )
    agency = models.CharField(_("agency"), max_length=20, choices=Agency.choices)
    hours = models.DecimalField(
        _("hours"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.25")), MaxValueValidator(Decimal(MAX_REVIEW_TARGET_HOURS))],
        help_text=_("At most one week (168 hours)."),
    )

    class Meta:
        ordering = ["gate__code", "agency"]
        constraints = [
            models.UniqueConstraint(fields=["gate", "agency"], name="one_review_target_per_gate_agency"),
            models.CheckConstraint(condition=models.Q(hours__gt=0), name="review_target_hours_positive"),
            models.CheckConstraint(
                condition=models.Q(hours__lte=MAX_REVIEW_TARGET_HOURS),
                name="review_target_hours_at_most_a_week",
            ),
        ]
        verbose_name = _("decision-time target")
        verbose_name_plural = _("decision-time targets")

    def __str__(self) -> str:
        return f"{self.gate.code} {self.get_agency_display()}: {self.hours} h"
