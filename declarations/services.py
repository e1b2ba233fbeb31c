"""Every write of the declaration workflow; the only caller of the state machines' transitions.

Each service:
1. checks who acts (operator of the company, officer of the agency at the gate, or the system),
2. in one `transaction.atomic()` block locks the declaration row (`select_for_update`) so that
   concurrent decisions on one declaration run one after the other, then re-reads what it needs,
3. fires transitions through `cuakhau.transitions.services.fire` (TransitionLog row; a stale
   state becomes Conflict/409),
4. lets `sync_declaration_state` move the declaration after its reviews,
5. notifies the people concerned with `notify()` (outbox rows, sent after commit).
Any error raised leaves nothing changed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

import filetype
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from cuakhau.accounts.roles import Role
from cuakhau.errors import Conflict, DomainError, NotAllowed, NotFound
from cuakhau.notifications.services import notify
from cuakhau.transitions.services import fire, log_created
from vehicles.models import Driver, Gate, Vehicle

from . import rules, signals
from .codes import normalise_container_number
from .models import (
    AgencyReview,
    CargoLine,
    Channel,
    Container,
    Declaration,
    DeclarationState,
    DeliveryMode,
    Document,
    DocumentKind,
    ReviewState,
)
from .selectors import (
    CANCELLABLE_STATES,
    EDITABLE_STATES,
    REVIEWABLE_STATES,
    is_owner,
    may_decide,
    officer_agency,
    operator_company,
    predecessors_pending,
)

S = DeclarationState
R = ReviewState
User = get_user_model()

CARGO_FIELDS = (
    "description",
    "hs_code",
    "quantity",
    "unit",
    "gross_kg",
    "value",
    "currency",
    "origin",
    "perishable",
)
ALLOWED_DOCUMENT_TYPES = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}


# --- helpers ---------------------------------------------------------------------------------
def _locked_declaration(pk: int) -> Declaration:
    try:
        return Declaration.objects.select_for_update().select_related("gate", "vehicle", "company").get(pk=pk)
    except Declaration.DoesNotExist:
        raise NotFound(_("No such declaration."))


def _reviews(declaration: Declaration, *, lock: bool = True) -> list[AgencyReview]:
    qs = AgencyReview.objects.filter(declaration=declaration).order_by("id")
    if lock:
        qs = qs.select_for_update()
    reviews = list(qs)
    for review in reviews:
        review.declaration = declaration  # one object, so sync sees what services changed
    return reviews


def _require_owner(actor: Any, declaration: Declaration) -> None:
    operator_company(actor)
    if not is_owner(actor, declaration):
        raise NotFound(_("No such declaration."))


def _require_transition(obj: Any, name: str) -> None:
    if not can_proceed(getattr(obj, name)):
        raise Conflict(
            _("Cannot %(action)s: it is %(state)s now.")
            % {"action": name.replace("_", " "), "state": obj.get_state_display()},
            code="illegal_transition",
        )


def _operators(declaration: Declaration) -> list[Any]:
    return list(
        User.objects.filter(
            company_member__company_id=declaration.company_id, groups__name=Role.OPERATOR, is_active=True
        ).distinct()
    )


def _officers(gate: Gate, agencies: Iterable[str]) -> list[Any]:
    return list(
        User.objects.filter(
            staff_assignment__agency__in=list(agencies), staff_assignment__gates=gate, is_active=True
        ).distinct()
    )


def _gate_managers(gate: Gate) -> list[Any]:
    return list(
        User.objects.filter(
            groups__name=Role.GATE_MANAGER, staff_assignment__gates=gate, is_active=True
        ).distinct()
    )


def _payload(declaration: Declaration, review: AgencyReview | None = None, note: str = "") -> dict[str, Any]:
    return {
        "number": declaration.number,
        "declaration_id": declaration.pk,
        "plate": declaration.vehicle.plate,
        "gate": declaration.gate.code,
        "agency": str(review.get_agency_display()) if review else "",
        "agency_code": review.agency if review else "",
        "review_id": review.pk if review else None,
        "state": declaration.state,
        "note": note,
    }


def _notify_owner(
    event: str, declaration: Declaration, review: AgencyReview | None = None, note: str = ""
) -> None:
    dedupe = f"r{review.pk}:{declaration.round}" if review else f"round{declaration.round}"
    notify(
        event=event,
        recipients=_operators(declaration),
        subject_type="declaration",
        subject_id=declaration.pk,
        payload=_payload(declaration, review, note),
        dedupe=dedupe,
    )


def _validation(errors: dict[str, Any]) -> None:
    if errors:
        raise ValidationError(errors)


# --- validation of the editable parts ---------------------------------------------------------
def _resolve_parties(
    company: Any, *, vehicle: Any, driver: Any, gate: Any, direction: str, errors: dict[str, Any]
) -> tuple[Vehicle | None, Driver | None, Gate | None]:
    """The vehicle and driver must be the company's, the gate must serve the direction."""
    vehicle_pk = getattr(vehicle, "pk", vehicle)
    driver_pk = getattr(driver, "pk", driver)
    found_vehicle = Vehicle.objects.filter(company=company, pk=vehicle_pk).first() if vehicle_pk else None
    found_driver = Driver.objects.filter(company=company, pk=driver_pk).first() if driver_pk else None
    if isinstance(gate, Gate):
        found_gate = gate
    else:
        found_gate = Gate.objects.filter(code=str(gate or "").upper(), is_active=True).first()
    if found_vehicle is None:
        errors["vehicle"] = [_("Choose one of your company's vehicles.")]
    if found_driver is None:
        errors["driver"] = [_("Choose one of your company's drivers.")]
    if found_gate is None:
        errors["gate"] = [_("Unknown gate.")]
    elif direction and not found_gate.serves(direction):
        errors["direction"] = [_("%(gate)s does not serve this direction.") % {"gate": found_gate.name}]
    return found_vehicle, found_driver, found_gate


def _build_cargo(lines: Iterable[Mapping[str, Any]], errors: dict[str, Any]) -> list[CargoLine]:
    """Cargo lines from plain dicts; each problem reads "Line 2, HS code: ..." wherever shown."""
    built: list[CargoLine] = []
    problems: list[str] = []
    for number, raw in enumerate(lines, start=1):
        values = {k: raw[k] for k in CARGO_FIELDS if k in raw and raw[k] is not None}
        for key in ("description", "hs_code", "unit", "origin", "currency"):
            if key in values:
                values[key] = str(values[key]).strip()
        if "origin" in values:
            values["origin"] = values["origin"].upper()
        line = CargoLine(**values)
        found: dict[str, list[str]] = {}
        try:
            line.full_clean(exclude=["declaration"], validate_constraints=False)
        except ValidationError as exc:
            found = {f: [str(m) for m in msgs] for f, msgs in exc.message_dict.items()}
        for field in ("quantity", "gross_kg"):
            value = getattr(line, field)
            if field not in found and value is not None and value <= 0:
                found[field] = [_("Must be more than zero.")]
        for field, messages in found.items():
            label = CargoLine._meta.get_field(field).verbose_name if field != "__all__" else ""
            for message in messages:
                problems.append(
                    _("Line %(n)s, %(field)s: %(message)s")
                    % {"n": number, "field": label, "message": message}
                )
        built.append(line)
    if problems:
        errors["cargo_lines"] = problems
    return built


def _build_containers(items: Iterable[Any], errors: dict[str, Any]) -> list[Container]:
    built: list[Container] = []
    problems: list[str] = []
    seen: set[str] = set()
    for item in items:
        if isinstance(item, Mapping):
            number, size = item.get("number", ""), item.get("size_ft") or 40
        else:
            number, size = item, 40
        number = normalise_container_number(str(number or ""))
        if not number:
            continue
        container = Container(number=number, size_ft=size)
        try:
            container.full_clean(exclude=["declaration"], validate_constraints=False)
        except ValidationError as exc:
            problems.extend(f"{number}: {m}" for msgs in exc.message_dict.values() for m in msgs)
            continue
        if number in seen:
            problems.append(_("%(number)s is listed twice.") % {"number": number})
            continue
        seen.add(number)
        built.append(container)
    if problems:
        errors["containers"] = problems
    return built


def _check_planned_date(planned_date: Any, errors: dict[str, Any]) -> dt.date | None:
    if isinstance(planned_date, str):
        try:
            planned_date = dt.date.fromisoformat(planned_date)
        except ValueError:
            errors["planned_date"] = [_("Enter a date as YYYY-MM-DD.")]
            return None
    if not isinstance(planned_date, dt.date):
        errors["planned_date"] = [_("Enter the planned date.")]
        return None
    if planned_date < timezone.localdate():
        errors["planned_date"] = [_("The planned date is in the past.")]
    return planned_date


# --- drafts ----------------------------------------------------------------------------------
def declaration_create(
    *,
    actor: Any,
    vehicle: Any,
    driver: Any,
    gate: Any,
    direction: str,
    planned_date: Any,
    cargo_lines: Iterable[Mapping[str, Any]] = (),
    containers: Iterable[Any] = (),
    delivery_mode: str = DeliveryMode.STANDARD,
    temporary_import: bool = False,
) -> Declaration:
    """A new draft of the actor's company, with its cargo lines and containers."""
    company = operator_company(actor)
    errors: dict[str, Any] = {}
    from vehicles.models import Direction

    if direction not in Direction.values:
        errors["direction"] = [_("Choose export, import or empty.")]
    if delivery_mode not in DeliveryMode.values:
        errors["delivery_mode"] = [_("Unknown delivery mode.")]
    found_vehicle, found_driver, found_gate = _resolve_parties(
        company, vehicle=vehicle, driver=driver, gate=gate, direction=direction, errors=errors
    )
    date = _check_planned_date(planned_date, errors)
    lines = _build_cargo(cargo_lines, errors)
    boxes = _build_containers(containers, errors)
    _validation(errors)
    with transaction.atomic():
        declaration = Declaration.objects.create(
            company=company,
            vehicle=found_vehicle,
            driver=found_driver,
            gate=found_gate,
            direction=direction,
            planned_date=date,
            delivery_mode=delivery_mode,
            temporary_import=bool(temporary_import),
        )
        _save_children(declaration, lines, boxes)
        log_created(declaration, actor=actor)
    return declaration


def declaration_delete_draft(*, actor: Any, declaration: Declaration) -> None:
    """A draft nobody reviewed can go; anything submitted is cancelled instead (its log stays)."""
    with transaction.atomic():
        current = _locked_declaration(declaration.pk)
        _require_owner(actor, current)
        if current.state != S.DRAFT:
            raise Conflict(
                _("Only a draft can be deleted; cancel this declaration instead."), code="illegal_transition"
            )
        names = [d.file.name for d in current.documents.all()]
        storage = Document._meta.get_field("file").storage
        current.delete()
        transaction.on_commit(lambda: [storage.delete(n) for n in names])


def _save_children(
    declaration: Declaration, lines: list[CargoLine] | None, boxes: list[Container] | None
) -> None:
    if lines is not None:
        declaration.cargo_lines.all().delete()
        for line in lines:
            line.declaration = declaration
        CargoLine.objects.bulk_create(lines)
    if boxes is not None:
        declaration.containers.all().delete()
        for box in boxes:
            box.declaration = declaration
        Container.objects.bulk_create(boxes)


def declaration_update(
    *,
    actor: Any,
    declaration: Declaration,
    cargo_lines: Iterable[Mapping[str, Any]] | None = None,
    containers: Iterable[Any] | None = None,
    **fields: Any,
) -> Declaration:
    """Change a draft or a returned declaration. Lists given replace the stored ones."""
    allowed = {"vehicle", "driver", "gate", "direction", "planned_date", "delivery_mode", "temporary_import"}
    unknown = set(fields) - allowed
    if unknown:
        raise DomainError(_("These fields cannot be changed: %(f)s") % {"f": ", ".join(sorted(unknown))})
    with transaction.atomic():
        current = _locked_declaration(declaration.pk)
        _require_owner(actor, current)
        if current.state not in EDITABLE_STATES:
            raise Conflict(
                _("Only a draft or a returned declaration can be edited; this one is %(state)s.")
                % {"state": current.get_state_display()},
                code="not_editable",
            )
        errors: dict[str, Any] = {}
        if current.state == S.RETURNED:
            # The reviews already given are for this gate and direction.
            gate_code = getattr(fields.get("gate"), "code", fields.get("gate"))
            if gate_code and str(gate_code).upper() != current.gate.code:
                errors["gate"] = [_("The gate cannot change after submission.")]
            if fields.get("direction") and fields["direction"] != current.direction:
                errors["direction"] = [_("The direction cannot change after submission.")]
        direction = fields.get("direction", current.direction)
        vehicle, driver, gate = _resolve_parties(
            current.company,
            vehicle=fields.get("vehicle", current.vehicle_id),
            driver=fields.get("driver", current.driver_id),
            gate=fields.get("gate", current.gate),
            direction=direction,
            errors=errors,
        )
        date = _check_planned_date(fields.get("planned_date", current.planned_date), errors)
        delivery_mode = fields.get("delivery_mode", current.delivery_mode)
        if delivery_mode not in DeliveryMode.values:
            errors["delivery_mode"] = [_("Unknown delivery mode.")]
        lines = _build_cargo(cargo_lines, errors) if cargo_lines is not None else None
        boxes = _build_containers(containers, errors) if containers is not None else None
        _validation(errors)
        current.vehicle, current.driver, current.gate = vehicle, driver, gate
        current.direction, current.planned_date, current.delivery_mode = direction, date, delivery_mode
        current.temporary_import = bool(fields.get("temporary_import", current.temporary_import))
        current.save()
        _save_children(current, lines, boxes)
    return current


def document_add(*, actor: Any, declaration: Declaration, kind: str, file: Any, name: str = "") -> Document:
    """Attach a PDF, JPEG or PNG. The type is read from the bytes, never from the name."""
    if kind not in DocumentKind.values:
        raise ValidationError({"kind": [_("Unknown document kind.")]})
    limit = settings.DOCUMENT_MAX_BYTES
    size = getattr(file, "size", None)
    if size is not None and size > limit:
        raise ValidationError(
            {"file": [_("The file is larger than %(mb).0f MB.") % {"mb": limit / 1024 / 1024}]}
        )
    if hasattr(file, "seek"):
        file.seek(0)
    data = file.read(limit + 1) if hasattr(file, "read") else bytes(file)
    if len(data) > limit:
        raise ValidationError(
            {"file": [_("The file is larger than %(mb).0f MB.") % {"mb": limit / 1024 / 1024}]}
        )
    if not data:
        raise ValidationError({"file": [_("The file is empty.")]})
    guessed = filetype.guess(data[:8192])
    mime = guessed.mime if guessed else ""
    if mime not in ALLOWED_DOCUMENT_TYPES:
        raise ValidationError({"file": [_("Upload a PDF, JPEG or PNG file.")]})
    digest = hashlib.sha256(data).hexdigest()
    original = (name or getattr(file, "name", "") or "")[-200:]
    with transaction.atomic():
        current = _locked_declaration(declaration.pk)
        _require_owner(actor, current)
        if current.state not in EDITABLE_STATES:
            raise Conflict(
                _("Documents can be added to a draft or a returned declaration only."), code="not_editable"
            )
        document = Document(
            declaration=current,
            kind=kind,
            original_name=original,
            content_type=mime,
            size=len(data),
            sha256=digest,
        )
        document.file.save(
            f"{kind}-{digest[:16]}.{ALLOWED_DOCUMENT_TYPES[mime]}", ContentFile(data), save=False
        )
        document.save()
    return document


def document_remove(*, actor: Any, document: Document) -> None:
    with transaction.atomic():
        current = _locked_declaration(document.declaration_id)
        _require_owner(actor, current)
        if current.state not in EDITABLE_STATES:
            raise Conflict(
                _("Documents can be removed from a draft or a returned declaration only."),
                code="not_editable",
            )
        stored = Document.objects.filter(pk=document.pk, declaration=current).first()
        if stored is None:
            raise NotFound(_("No such document."))
        name = stored.file.name
        stored.delete()
        transaction.on_commit(lambda: stored.file.storage.delete(name))


# --- submission ------------------------------------------------------------------------------
def _check_complete(declaration: Declaration) -> None:
    errors: dict[str, Any] = {}
    if declaration.direction != "empty" and not declaration.cargo_lines.exists():
        errors["cargo_lines"] = [_("Add at least one cargo line.")]
    present = set(declaration.documents.values_list("kind", flat=True))
    missing = [k for k in rules.required_documents(declaration) if k not in present]
    if missing:
        labels = ", ".join(str(DocumentKind(k).label) for k in missing)
        errors["documents"] = [_("Upload the required documents: %(kinds)s.") % {"kinds": labels}]
    if declaration.vehicle.company_id != declaration.company_id:
        errors["vehicle"] = [_("Choose one of your company's vehicles.")]
    if not declaration.gate.serves(declaration.direction):
        errors["direction"] = [_("This gate does not serve this direction.")]
    _check_planned_date(declaration.planned_date, errors)
    _validation(errors)


def _open_reviews(declaration: Declaration, agencies: list[str], actor: Any) -> list[AgencyReview]:
    """Create the reviews of newly required agencies (birth state logged)."""
    existing = {r.agency for r in declaration.reviews.all()}
    created = []
    for agency in agencies:
        if agency not in existing:
            review = AgencyReview.objects.create(declaration=declaration, agency=agency)
            log_created(review, actor=actor)
            created.append(review)
    return created


def _schedule_ready(
    declaration: Declaration, reviews: list[AgencyReview], now: dt.datetime
) -> list[AgencyReview]:
    """Start the clock of pending reviews whose predecessors all approved; returns them."""
    started = []
    for review in reviews:
        if (
            review.state == R.PENDING
            and review.ready_at is None
            and not predecessors_pending(review, reviews)
        ):
            hours = rules.target_hours(declaration.gate, review.agency)
            review.ready_at = now
            review.due_at = now + dt.timedelta(hours=float(hours))
            review.overdue_notified_at = None
            review.save(update_fields=["ready_at", "due_at", "overdue_notified_at"])
            started.append(review)
    return started


def declaration_submit(*, actor: Any, declaration: Declaration) -> Declaration:
    """draft → submitted: completeness, required agencies, channel, reviews, notifications.

    1. Lock, check the owner, the state and completeness.
    2. Fire `submit`, decide required agencies and the customs channel (rules.py).
    3. Create one review per agency; start the clocks of those without predecessors.
    4. Send `declaration_submitted` (fees), sync (green channel, start_review), notify.
    """
    with transaction.atomic():
        current = _locked_declaration(declaration.pk)
        _require_owner(actor, current)
        _require_transition(current, "submit")
        _check_complete(current)
        fire(current, "submit", actor=actor)
        current.required_agencies = rules.required_agencies(current)
        current.channel, current.channel_reason = rules.customs_channel(current)
        current.save(update_fields=["required_agencies", "channel", "channel_reason", "updated"])
        _open_reviews(current, current.required_agencies, actor)
        reviews = _reviews(current)
        _schedule_ready(current, reviews, timezone.now())
        signals.declaration_submitted.send(sender=Declaration, declaration=current, actor=actor)
        _notify_submitted(current, current.required_agencies)
        sync_declaration_state(declaration=current)
    return current


def _notify_submitted(declaration: Declaration, agencies: list[str]) -> None:
    notify(
        event="declaration.submitted",
        recipients=_officers(declaration.gate, agencies) + _operators(declaration),
        subject_type="declaration",
        subject_id=declaration.pk,
        payload=_payload(declaration),
        dedupe=f"round{declaration.round}",
    )


def declaration_resubmit(*, actor: Any, declaration: Declaration) -> Declaration:
    """returned → submitted: only the reviews that asked for information reopen.

    Required agencies can only grow (edited cargo may now need quarantine); approvals given
    stay; the channel decided at the first submission stays.
    """
    with transaction.atomic():
        current = _locked_declaration(declaration.pk)
        _require_owner(actor, current)
        _require_transition(current, "resubmit")
        _check_complete(current)
        fire(current, "resubmit", actor=actor)
        agencies = rules.sorted_agencies([*current.required_agencies, *rules.required_agencies(current)])
        if agencies != current.required_agencies:
            current.required_agencies = agencies
            current.save(update_fields=["required_agencies", "updated"])
        new = _open_reviews(current, agencies, actor)
        reviews = _reviews(current)
        reopened = []
        for review in reviews:
            if review.state == R.INFO_REQUESTED:
                fire(review, "reopen", actor=actor, note=_("resubmitted"))
                reopened.append(review)
        _schedule_ready(current, reviews, timezone.now())
        _notify_submitted(current, sorted({r.agency for r in reopened} | {r.agency for r in new}))
        sync_declaration_state(declaration=current)
    return current


# --- the one place that moves a declaration after its reviews ----------------------------------
def sync_declaration_state(*, declaration: Declaration) -> Declaration:
    """Recompute the declaration's state from its reviews (call with the row locked).

    1. Start the clocks of reviews whose predecessors approved; approve the customs review by
       rule when the channel is green and the review is ready (repeat: that may ready others).
    2. submitted → under_review as soon as one review left `pending` (claimed or decided).
    3. under_review → rejected if any review rejected; else → returned if any asked for
       information; else → cleared when every required review approved.
    """
    if declaration.state not in REVIEWABLE_STATES:
        return declaration
    reviews = _reviews(declaration, lock=False)
    now = timezone.now()
    while True:
        _schedule_ready(declaration, reviews, now)
        green = [
            r
            for r in reviews
            if r.agency == "customs"
            and r.state == R.PENDING
            and r.ready_at
            and declaration.channel == Channel.GREEN
        ]
        if not green:
            break
        for review in green:
            fire(review, "approve_by_rule", actor_label=rules.GREEN_RULE_LABEL, rule=rules.GREEN_RULE_LABEL)
            _notify_owner("declaration.approved", declaration, review, rules.GREEN_RULE_LABEL)
    required = [r for r in reviews if r.agency in declaration.required_agencies]
    if declaration.state == S.SUBMITTED and any(r.state != R.PENDING for r in required):
        fire(declaration, "start_review", actor_label="system")
    if declaration.state != S.UNDER_REVIEW:
        return declaration
    states = [r.state for r in required]
    if R.REJECTED in states:
        fire(declaration, "reject", actor_label="system")
        signals.declaration_closed.send(
            sender=Declaration, declaration=declaration, actor=None, state=S.REJECTED
        )
    elif R.INFO_REQUESTED in states:
        fire(declaration, "return_for_info", actor_label="system")
    elif required and all(s == R.APPROVED for s in states):
        validity = dt.timedelta(days=declaration.gate.declaration_validity_days)
        fire(declaration, "clear", actor_label="system", validity=validity)
        signals.declaration_cleared.send(sender=Declaration, declaration=declaration, actor=None)
        _notify_owner("declaration.cleared", declaration)
    return declaration


# --- officers' decisions ---------------------------------------------------------------------
def _review_for_action(actor: Any, review: AgencyReview | int) -> tuple[Declaration, AgencyReview]:
    """Lock the declaration, then the review; check the officer may act on it."""
    review_pk = getattr(review, "pk", review)
    declaration_id = (
        AgencyReview.objects.filter(pk=review_pk).values_list("declaration_id", flat=True).first()
    )
    if declaration_id is None:
        raise NotFound(_("No such review."))
    if not officer_agency(actor):
        raise NotAllowed(_("Only customs, border guard and quarantine officers decide reviews."))
    declaration = _locked_declaration(declaration_id)
    reviews = _reviews(declaration)
    current = next(r for r in reviews if r.pk == review_pk)
    if not may_decide(actor, current, declaration.gate_id):
        raise NotFound(_("No such review."))
    if declaration.state not in REVIEWABLE_STATES:
        raise Conflict(
            _("The declaration is %(state)s: its reviews cannot change.")
            % {"state": declaration.get_state_display()},
            code="illegal_transition",
        )
    current._all_reviews = reviews
    return declaration, current


def review_claim(*, actor: Any, review: AgencyReview | int) -> AgencyReview:
    with transaction.atomic():
        declaration, current = _review_for_action(actor, review)
        _require_transition(current, "claim")
        waiting = predecessors_pending(current, current._all_reviews)
        if waiting:
            labels = ", ".join(str(dict(AgencyReview._meta.get_field("agency").choices)[a]) for a in waiting)
            raise Conflict(
                _("This review waits for the approval of: %(agencies)s.") % {"agencies": labels},
                code="waiting_for_predecessor",
            )
        fire(current, "claim", actor=actor, officer=actor)
        _notify_owner("declaration.claimed", declaration, current)
        sync_declaration_state(declaration=declaration)
    return current


def _decide(actor: Any, review: AgencyReview | int, transition: str, event: str, note: str) -> AgencyReview:
    note = (note or "").strip()
    if transition in ("reject", "request_info") and not note:
        raise ValidationError({"note": [_("Give a reason: the company needs to know what to do.")]})
    with transaction.atomic():
        declaration, current = _review_for_action(actor, review)
        _require_transition(current, transition)
        fire(current, transition, actor=actor, note=note, reason=note)
        _notify_owner(event, declaration, current, note)
        sync_declaration_state(declaration=declaration)
    return current


def review_approve(*, actor: Any, review: AgencyReview | int, note: str = "") -> AgencyReview:
    return _decide(actor, review, "approve", "declaration.approved", note)


def review_reject(*, actor: Any, review: AgencyReview | int, note: str) -> AgencyReview:
    return _decide(actor, review, "reject", "declaration.rejected", note)


def review_request_info(*, actor: Any, review: AgencyReview | int, note: str) -> AgencyReview:
    return _decide(actor, review, "request_info", "declaration.info_requested", note)


# --- the owner's and the system's ends ----------------------------------------------------------
def declaration_cancel(*, actor: Any, declaration: Declaration, note: str = "") -> Declaration:
    with transaction.atomic():
        current = _locked_declaration(declaration.pk)
        _require_owner(actor, current)
        if current.state not in CANCELLABLE_STATES:
            _require_transition(current, "cancel")
        fire(current, "cancel", actor=actor, note=note)
        signals.declaration_cancelled.send(sender=Declaration, declaration=current, actor=actor)
        claimed = [
            r.officer
            for r in current.reviews.select_related("officer")
            if r.state == R.IN_REVIEW and r.officer
        ]
        notify(
            event="declaration.cancelled",
            recipients=_operators(current) + claimed,
            subject_type="declaration",
            subject_id=current.pk,
            payload=_payload(current, note=note),
            dedupe="cancel",
        )
    return current


def declaration_complete(
    *, declaration: Declaration, actor: Any = None, actor_label: str = ""
) -> Declaration:
    """cleared → completed: the truck crossed (called by queueing when the booking departs)."""
    with transaction.atomic():
        current = _locked_declaration(declaration.pk)
        fire(current, "complete", actor=actor, actor_label=actor_label)
        signals.declaration_closed.send(
            sender=Declaration, declaration=current, actor=actor, state=S.COMPLETED
        )
    return current


def declaration_expire(
    *, declaration: Declaration, actor: Any = None, actor_label: str = "system"
) -> Declaration:
    """cleared → expired: its validity passed unused (the beat sweep calls this)."""
    with transaction.atomic():
        current = _locked_declaration(declaration.pk)
        if current.valid_until and current.valid_until > timezone.now():
            raise Conflict(_("The declaration is still valid."), code="still_valid")
        fire(current, "expire", actor=actor, actor_label=actor_label)
        signals.declaration_closed.send(sender=Declaration, declaration=current, actor=actor, state=S.EXPIRED)
        _notify_owner("declaration.expired", current)
    return current


def reviews_flag_overdue(*, now: dt.datetime | None = None) -> int:
    """Flag reviews past their target and tell each gate's managers once per review.

    The flag (`overdue_notified_at`) is claimed with a conditional UPDATE, so two sweeps
    running at once never tell twice. Returns how many reviews were flagged.
    """
    from .selectors import overdue_reviews

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
                    "gate": gate.code,
                    "agency": str(dict(AgencyReview._meta.get_field("agency").choices)[agency]),
                    "agency_code": agency,
                    "count": len(claimed),
                    "review_ids": claimed,
                },
                dedupe=hashlib.sha1(",".join(map(str, claimed)).encode()).hexdigest(),
            )
            flagged += len(claimed)
    return flagged


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
