"""The province's trip fee (phí sử dụng công trình kết cấu hạ tầng): schedule, fees, payments.

A FeeSchedule is data a manager edits: base rates per vehicle/cargo class and multipliers. A Fee
is computed once, at first submission, and stores its own numbers (amount and breakdown), so a
schedule edited later never changes it. Payments and refunds are append-only rows.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from cuakhau.accounts.roles import Role
from cuakhau.money import vnd
from cuakhau.transitions.models import AppendOnlyModel
from cuakhau.transitions.permissions import by_system
from declarations.models import Declaration
from vehicles.models import Gate
from vehicles.selectors import user_works_at_gate

# Who takes money at the gate (cash, transfer confirmation) and sees the day's takings.
CASHIER_ROLES = (Role.GATE_STAFF, Role.GATE_MANAGER)


# Who may fire a fee transition (django-fsm `permission=`); the services call
# `require_transition` before firing (cuakhau/transitions/permissions.py). The system (actor
# None: a provider's signed callback, a declaration's end) passes.
def takes_payment(fee: Any, user: Any) -> bool:
    """Gate staff or a manager of the declaration's gate (or a superuser)."""
    return user_works_at_gate(user, fee.declaration.gate_id, CASHIER_ROLES)


def refunds_fee(fee: Any, user: Any) -> bool:
    """A manager of the declaration's gate (or a superuser)."""
    return user_works_at_gate(user, fee.declaration.gate_id, (Role.GATE_MANAGER,))


class FeeSchedule(models.Model):
    """One version of the schedule. The one in force on a date is the active schedule with the
    latest `valid_from` on or before it (and `valid_to`, inclusive, not passed): a new version
    supersedes an open-ended one from its first day without editing the old one."""

    name = models.CharField(_("name"), max_length=120)
    resolution = models.CharField(
        _("resolution"), max_length=60, blank=True, help_text=_("e.g. 09/2025/NQ-HĐND")
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to (inclusive)"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))
    updated = models.DateTimeField(auto_now=True, verbose_name=_("updated"))

    class Meta:
        ordering = ["-valid_from", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True) | models.Q(valid_to__gte=models.F("valid_from")),
                name="fee_schedule_valid_to_after_from",
            )
        ]
        verbose_name = _("fee schedule")
        verbose_name_plural = _("fee schedules")

    def __str__(self) -> str:
        until = self.valid_to.isoformat() if self.valid_to else "…"
        return f"{self.name} ({self.valid_from.isoformat()} – {until})"


class RateKey(models.TextChoices):
    """Base classes of a trip; `rules.classify` decides which applies (docs/fees.md)."""

    SMALL_PRODUCE = "small_produce", _("Small load of vegetables or fruit (under 2 t)")
    BULK_UP_TO_5T = "bulk_up_to_5t", _("Goods up to 5 t")
    BULK_5_10T = "bulk_5_10t", _("Goods over 5 t up to 10 t")
    BULK_10_15T = "bulk_10_15t", _("Goods over 10 t up to 15 t")
    BULK_15_30T = "bulk_15_30t", _("Goods over 15 t up to 30 t")
    BULK_OVER_30T = "bulk_over_30t", _("Goods over 30 t")
    CONTAINER_20 = "container_20", _("20 ft container")
    CONTAINER_40 = "container_40", _("40 ft container")
    CONTAINER_20_TEMPORARY_IMPORT = "container_20_temporary_import", _("20 ft container, temporary import")
    CONTAINER_40_TEMPORARY_IMPORT = "container_40_temporary_import", _("40 ft container, temporary import")
    EMPTY_TRUCK = "empty_truck", _("Empty vehicle")


class FeeRate(models.Model):
    schedule = models.ForeignKey(
        FeeSchedule, on_delete=models.CASCADE, related_name="rates", verbose_name=_("fee schedule")
    )
    key = models.CharField(_("class"), max_length=40, choices=RateKey.choices)
    amount = models.PositiveBigIntegerField(_("amount (VND per trip or container)"))

    class Meta:
        ordering = ["schedule_id", "amount", "id"]
        constraints = [models.UniqueConstraint(fields=["schedule", "key"], name="fee_rate_one_per_class")]
        verbose_name = _("fee rate")
        verbose_name_plural = _("fee rates")

    def __str__(self) -> str:
        return f"{self.get_key_display()}: {vnd(self.amount)}"


class MultiplierKey(models.TextChoices):
    LISTED_GOODS = "listed_goods", _("Listed goods")
    INLAND_DELIVERY = "inland_delivery", _("Import delivered inland")
    WHARF_TRANSSHIP = "wharf_transship", _("Transshipped at the wharf only")


class FeeMultiplier(models.Model):
    """A factor in whole percent (130 = ×1.3). Listed goods rows name the HS prefixes they
    cover; a trip with several matching listed rows takes the highest one only."""

    schedule = models.ForeignKey(
        FeeSchedule, on_delete=models.CASCADE, related_name="multipliers", verbose_name=_("fee schedule")
    )
    key = models.CharField(_("kind"), max_length=30, choices=MultiplierKey.choices)
    label = models.CharField(_("label"), max_length=120, blank=True, help_text=_("e.g. Ores (HS 26)"))
    percent = models.PositiveIntegerField(_("factor (percent)"), help_text=_("130 means ×1.3"))
    hs_prefixes = models.CharField(
        _("HS code prefixes"),
        max_length=200,
        blank=True,
        help_text=_("Listed goods only: comma-separated prefixes, e.g. 26 or 2601,2602"),
    )

    class Meta:
        ordering = ["schedule_id", "key", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(percent__gt=0), name="fee_multiplier_percent_positive"),
            models.UniqueConstraint(
                fields=["schedule", "key"],
                condition=~models.Q(key="listed_goods"),
                name="fee_multiplier_one_per_mode",
            ),
        ]
        verbose_name = _("fee multiplier")
        verbose_name_plural = _("fee multipliers")

    def __str__(self) -> str:
        return f"{self.label or self.get_key_display()}: {self.percent}%"

    @property
    def prefixes(self) -> list[str]:
        return [p.strip() for p in self.hs_prefixes.split(",") if p.strip()]


class FeeState(models.TextChoices):
    UNPAID = "unpaid", _("Unpaid")
    PAID = "paid", _("Paid")
    REFUNDED = "refunded", _("Refunded")
    NOT_DUE = "not_due", _("Not due")


class Fee(ConcurrentTransitionMixin, models.Model):
    """The fee of one declaration, a snapshot: amount and breakdown never follow the schedule."""

    declaration = models.OneToOneField(
        Declaration, on_delete=models.PROTECT, related_name="fee", verbose_name=_("declaration")
    )
    # Kept for audit only; nothing is recomputed from it.
    schedule = models.ForeignKey(
        FeeSchedule, on_delete=models.PROTECT, related_name="fees", verbose_name=_("fee schedule")
    )
    resolution = models.CharField(_("resolution"), max_length=60, blank=True)
    amount = models.PositiveBigIntegerField(_("amount (VND)"))
    breakdown = models.JSONField(_("breakdown"), default=list)
    state = FSMField(
        _("state"),
        default=FeeState.UNPAID,
        choices=FeeState.choices,
        protected=True,
        max_length=20,
        db_index=True,
    )
    computed_at = models.DateTimeField(_("computed at"), default=timezone.now)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    refunded_at = models.DateTimeField(_("refunded at"), null=True, blank=True)

    class Meta:
        ordering = ["-computed_at", "-id"]
        verbose_name = _("fee")
        verbose_name_plural = _("fees")

    def __str__(self) -> str:
        return f"{self.declaration_id and self.declaration.number}: {vnd(self.amount)} ({self.state})"

    # From not_due only when a provider reports money that arrived anyway (it is then refunded).
    @transition(
        field=state,
        source=[FeeState.UNPAID, FeeState.NOT_DUE],
        target=FeeState.PAID,
        permission=takes_payment,
    )
    def mark_paid(self) -> None:
        self.paid_at = timezone.now()

    @transition(field=state, source=FeeState.UNPAID, target=FeeState.NOT_DUE, permission=by_system)
    def mark_not_due(self) -> None:
        """The declaration ended without a trip (rejected, cancelled, expired)."""

    @transition(field=state, source=FeeState.PAID, target=FeeState.REFUNDED, permission=refunds_fee)
    def refund(self) -> None:
        self.refunded_at = timezone.now()


class PaymentKind(models.TextChoices):
    PAYMENT = "payment", _("Payment")
    REFUND = "refund", _("Refund")


class PaymentMethod(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", _("Bank transfer (VietQR)")
    CASH = "cash", _("Cash at the gate")
    SANDBOX = "sandbox", _("Sandbox (tests and demos)")


class Payment(AppendOnlyModel):
    """Money in (payment) or out (refund); inserted once, never changed.

    `provider_txn_id` is the idempotency key: the same bank reference, cash receipt, sandbox
    transaction or refund of a fee can be recorded once only, whoever retries.
    """

    fee = models.ForeignKey(Fee, on_delete=models.PROTECT, related_name="payments", verbose_name=_("fee"))
    # The fee's gate, copied so that totals per gate and day need no join.
    gate = models.ForeignKey(
        Gate, on_delete=models.PROTECT, related_name="fee_payments", verbose_name=_("gate")
    )
    kind = models.CharField(
        _("kind"), max_length=10, choices=PaymentKind.choices, default=PaymentKind.PAYMENT
    )
    method = models.CharField(_("method"), max_length=20, choices=PaymentMethod.choices)
    amount = models.PositiveBigIntegerField(_("amount (VND)"))
    reference = models.CharField(_("reference / receipt"), max_length=80, blank=True)
    provider_txn_id = models.CharField(_("provider transaction id"), max_length=120, unique=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    reason = models.TextField(_("reason"), blank=True)
    created = models.DateTimeField(_("recorded at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="fee_payment_amount_positive"),
            models.CheckConstraint(
                condition=~models.Q(kind="refund") | ~models.Q(reason=""), name="fee_refund_has_reason"
            ),
        ]
        indexes = [models.Index(fields=["gate", "created"])]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {vnd(self.amount)} ({self.get_method_display()}, {self.reference})"

    @property
    def signed_amount(self) -> int:
        return -self.amount if self.kind == PaymentKind.REFUND else self.amount
