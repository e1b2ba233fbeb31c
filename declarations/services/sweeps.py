"""Beat sweeps: overdue reviews, unused cleared declarations. Idempotent."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.db import transaction
from django.utils import timezone

from cuakhau.errors import Conflict, NotFound
from cuakhau.notifications.services import notify
from vehicles.models import Gate

from ..models import (
    AgencyReview,
    Declaration,
    DeclarationState,
    ReviewState,
)
from ..selectors import overdue_reviews
from ._common import (
    _gate_managers,
)
from .workflow import declaration_expire


def reviews_flag_overdue(*, now: dt.datetime | None = None) -> int:
    """Flag reviews past their target and tell each gate's managers once per review.

    The flag (`overdue_notified_at`) is claimed with a conditional UPDATE, so two sweeps
    running at once never tell twice. Returns how many reviews were flagged.
    """
    now = now or timezone.now()
    flagged = 0
    candidates = list(
        overdue_reviews()
        .filter(overdue_notified_at__isnull=True)
        .values_list("pk", "agency", "declaration__gate_id")
        .order_by("declaration__gate_id", "agency", "pk")[:1000]
    )
    groups: dict[tuple[int, str], list[int]] = {}
    for pk, agency, gate_id in candidates:
        groups.setdefault((gate_id, agency), []).append(pk)
    for (gate_id, agency), pks in groups.items():
        with transaction.atomic():
            claimed = []
            for pk in pks:
                if AgencyReview.objects.filter(pk=pk, overdue_notified_at__isnull=True).update(
                    overdue_notified_at=now
                ):
                    claimed.append(pk)
            if not claimed:
                continue
            gate = Gate.objects.get(pk=gate_id)
            notify(
                event="review.overdue",
                recipients=_gate_managers(gate),
                subject_type="review",
                subject_id=None,
                payload={
                    "gate": gate.name,
                    "gate_i18n": gate.names(),
                    "gate_code": gate.code,
                    "agency": str(dict(AgencyReview._meta.get_field("agency").choices)[agency]),
                    "agency_code": agency,
                    "count": len(claimed),
                    "review_ids": claimed,
                },
                dedupe=hashlib.sha1(",".join(map(str, claimed)).encode()).hexdigest(),
            )
            flagged += len(claimed)
    return flagged


S = DeclarationState
R = ReviewState


def declarations_expire_unused(*, now: dt.datetime | None = None) -> int:
    """Expire cleared declarations whose validity passed; returns how many expired."""
    now = now or timezone.now()
    expired = 0
    ids = list(
        Declaration.objects.filter(state=S.CLEARED, valid_until__lt=now).values_list("pk", flat=True)[:1000]
    )
    for pk in ids:
        try:
            declaration_expire(declaration=Declaration(pk=pk), actor_label="system")
        except (Conflict, NotFound):
            continue  # moved on meanwhile (completed, cancelled, or expired by a parallel sweep)
        expired += 1
    return expired
