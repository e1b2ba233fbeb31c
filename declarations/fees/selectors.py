"""Reads of the fees app: the fee of a declaration, what is due, who may see it, totals."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cuakhau.accounts.roles import Role, user_has_role
from cuakhau.errors import NotFound
from declarations.models import Declaration, DeclarationState
from vehicles.models import Gate
from vehicles.selectors import company_for_user, user_works_at_gate

from .models import CASHIER_ROLES, Fee, FeeSchedule, FeeState, MultiplierKey, Payment, PaymentKind, RateKey
from .providers import BankTransferVietQR
from .rules import ROUNDING_KEY, ROUNDING_LABEL

# Everyone who works at a gate may see the fees of its declarations.
GATE_ROLES = (Role.CUSTOMS, Role.BORDER_GUARD, Role.QUARANTINE, Role.GATE_STAFF, Role.GATE_MANAGER)
# Ends without a trip: the fee is not due, and a fee paid anyway is refunded.
REFUNDABLE_STATES = (DeclarationState.CANCELLED, DeclarationState.REJECTED, DeclarationState.EXPIRED)


def fee_for_declaration(declaration: Declaration) -> Fee | None:
    """The declaration's fee, or None before its first submission (or when it has none)."""
    try:
        return declaration.fee
    except Fee.DoesNotExist:
        return None


def fee_unpaid_amount(declaration: Declaration) -> int | None:
    """VND still due at the gate; None when nothing is due (no fee, paid, refunded, zero)."""
    fee = fee_for_declaration(declaration)
    if fee is None or fee.state != FeeState.UNPAID or fee.amount <= 0:
        return None
    return fee.amount


def schedule_in_force(on: dt.date) -> FeeSchedule | None:
    """The active schedule with the latest valid_from on or before `on` whose valid_to (inclusive)
    has not passed. A newer version supersedes an open-ended older one from its first day."""
    return (
        FeeSchedule.objects.filter(is_active=True, valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .order_by("-valid_from", "-id")
        .prefetch_related("rates", "multipliers")
        .first()
    )


def user_is_cashier(user: Any) -> bool:
    """Gate staff, a gate manager or a superuser: takes money and sees the takings."""
    return getattr(user, "is_superuser", False) or any(user_has_role(user, role) for role in CASHIER_ROLES)


def can_view_fee(user: Any, declaration: Declaration) -> bool:
    company = company_for_user(user)
    if company is not None and declaration.company_id == company.pk:
        return True
    return user_works_at_gate(user, declaration.gate_id, GATE_ROLES)


def declaration_for_fee(*, user: Any, declaration_id: int) -> Declaration:
    """Fetch a declaration the user may see the fee of; anything else is 404, not 403."""
    declaration = (
        # With its fee (None before the first submission), which every fee view reads next.
        Declaration.objects.select_related("gate", "company", "vehicle", "fee")
        .filter(pk=declaration_id)
        .first()
    )
    if declaration is None or not can_view_fee(user, declaration):
        raise NotFound(_("Declaration not found."))
    return declaration


_LABELS = {**{k.value: k.label for k in RateKey}, **{k.value: k.label for k in MultiplierKey}}


def fee_breakdown_lines(fee: Fee) -> list[dict[str, Any]]:
    """The stored breakdown with labels in the current language (by key; a manager's own label
    for listed goods is shown as written). Numbers are the stored snapshot."""
    lines = []
    for item in fee.breakdown:
        key = item.get("key", "")
        line = dict(item)
        if key == ROUNDING_KEY:
            line["label"] = str(ROUNDING_LABEL)
        elif key in _LABELS and not (key == MultiplierKey.LISTED_GOODS and item.get("label")):
            line["label"] = str(_LABELS[key])
        lines.append(line)
    return lines


def vietqr_for_fee(fee: Fee) -> str | None:
    """The VietQR payload to pay the fee by bank transfer, or None when nothing is to be paid
    that way (paid, refunded, zero, or the gate has no bank account)."""
    if fee.state != FeeState.UNPAID or fee.amount <= 0:
        return None
    return BankTransferVietQR().payload(fee)


def fee_notice(fee: Fee | None, declaration: Declaration) -> str:
    """One sentence on what to do about the fee now, for the state it is in."""
    if fee is None:
        if declaration.state == DeclarationState.DRAFT:
            return _("The fee is computed from the province's schedule when you submit the declaration.")
        return ""
    if fee.state == FeeState.NOT_DUE:
        return _("Not due: the declaration ended without a trip. Do not pay this fee.")
    if fee.state == FeeState.PAID and declaration.state in REFUNDABLE_STATES:
        return _("Paid, but the declaration ended without a trip: ask the gate's manager for a refund.")
    if fee.state == FeeState.UNPAID and fee.amount > 0:
        return _("Pay by bank transfer with the VietQR code, or in cash at the gate.")
    return ""


def fee_panel_context(declaration: Declaration) -> dict[str, Any]:
    """Everything templates/fees/_fee_panel.html shows, from the declaration alone."""
    fee = fee_for_declaration(declaration)
    vietqr = vietqr_for_fee(fee) if fee is not None else None
    return {
        "notice": fee_notice(fee, declaration),
        "declaration": declaration,
        "fee": fee,
        "fee_lines": fee_breakdown_lines(fee) if fee is not None else [],
        "fee_payments": list(fee.payments.all()) if fee is not None else [],
        "vietqr": vietqr,
        "qr_url": reverse("api-fee-qr", args=[declaration.pk]) if vietqr else "",
        "gate": declaration.gate,
        "reference": declaration.number,
    }


# Days a report may ask for: the gate's midnight must exist in UTC and the next day too (the
# first and last days of the calendar overflow), and no takings predate the platform.
FIRST_DAY, LAST_DAY = dt.date(2000, 1, 1), dt.date(2999, 12, 31)


def parse_gate_day(value: str) -> dt.date:
    """'YYYY-MM-DD' → a date between FIRST_DAY and LAST_DAY; ValueError otherwise."""
    day = dt.date.fromisoformat(value)
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(f"{value} is out of range")
    return day


def gate_day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """A day at the gates, in their time zone (every Lạng Sơn gate is on Asia/Ho_Chi_Minh)."""
    zone = ZoneInfo(settings.TIME_ZONE)
    start = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
    return start, start + dt.timedelta(days=1)


# The figures of a row of the fees-collected table, in the order the pages show them.
COLLECTED_FIGURES = ("payments", "collected", "refunds", "refunded", "net")


@dataclass(frozen=True)
class CollectedTable:
    """The fees-collected table: one row per gate and day with money moved, and its totals."""

    rows: list[dict[str, Any]]
    totals: dict[str, int]

    def for_gate(self, code: str, day: dt.date) -> dict[str, Any]:
        """The row of one gate and day, zeros when no money moved there that day."""
        row = next((r for r in self.rows if r["gate"] == code and r["date"] == day), None)
        return row or {"gate": code, "date": day, **dict.fromkeys(COLLECTED_FIGURES, 0)}


def fees_collected(
    *,
    gates: QuerySet[Gate] | list[Gate] | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> CollectedTable:
    """The fees collected per gate and day (rows {gate (code), date, payments, collected,
    refunds, refunded, net}, newest day first) and their totals — the admin's report, the
    dashboard's gate card and the API read this one table.

    A refund counts on the day it was paid out, so a day's net is what the cash box and the bank
    account really moved that day.
    """
    qs = Payment.objects.all()
    if gates is not None:
        qs = qs.filter(gate__in=gates)
    if date_from is not None:
        qs = qs.filter(created__gte=gate_day_bounds(date_from)[0])
    if date_to is not None:
        qs = qs.filter(created__lt=gate_day_bounds(date_to)[1])
    sums = (
        qs.annotate(day=TruncDate("created", tzinfo=ZoneInfo(settings.TIME_ZONE)))
        .values("gate__code", "day")
        .annotate(
            payments=Count("id", filter=Q(kind=PaymentKind.PAYMENT)),
            collected=Sum("amount", filter=Q(kind=PaymentKind.PAYMENT), default=0),
            refunds=Count("id", filter=Q(kind=PaymentKind.REFUND)),
            refunded=Sum("amount", filter=Q(kind=PaymentKind.REFUND), default=0),
        )
        .order_by("-day", "gate__code")
    )
    rows = [
        {
            "gate": row["gate__code"],
            "date": row["day"],
            "payments": row["payments"],
            "collected": int(row["collected"]),
            "refunds": row["refunds"],
            "refunded": int(row["refunded"]),
            "net": int(row["collected"]) - int(row["refunded"]),
        }
        for row in sums
    ]
    totals = {k: sum(r[k] for r in rows) for k in COLLECTED_FIGURES}
    return CollectedTable(rows=rows, totals=totals)


def today_at_gates() -> dt.date:
    return timezone.localdate(timezone=ZoneInfo(settings.TIME_ZONE))
