"""Drafts: create, edit, delete; documents checked by content."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping
from typing import Any, cast

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Field
from django.utils import timezone
from django.utils.translation import gettext as _

from cuakhau.accounts.roles import Agency
from cuakhau.errors import Conflict, DomainError, NotFound
from cuakhau.security.documents import document_problem
from cuakhau.transitions.services import log_created
from vehicles.models import Direction, Driver, Gate, Vehicle

from ..codes import normalise_container_number
from ..models import (
    CARGO_FIELDS,
    CargoLine,
    Container,
    Declaration,
    DeclarationState,
    DeliveryMode,
    Document,
    DocumentKind,
    ReviewState,
)
from ..selectors import (
    EDITABLE_STATES,
    operator_company,
)
from ._common import (
    _in_hand,
    _locked_declaration,
    _require_owner,
    _validation,
)

S = DeclarationState
R = ReviewState
ALLOWED_DOCUMENT_TYPES = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}


# --- validation of the editable parts ---------------------------------------------------------
def _resolve_parties(
    company: Any, *, vehicle: Any, driver: Any, gate: Any, direction: str, errors: dict[str, Any]
) -> tuple[Vehicle | None, Driver | None, Gate | None]:
    """The vehicle and driver must be the company's, the gate must serve the direction."""
    vehicle_pk = getattr(vehicle, "pk", vehicle)
    driver_pk = getattr(driver, "pk", driver)
    found_vehicle = Vehicle.objects.filter(company=company, pk=vehicle_pk).first() if vehicle_pk else None
    found_driver = Driver.objects.filter(company=company, pk=driver_pk).first() if driver_pk else None
    found_gate: Gate | None
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
    elif direction and "direction" not in errors and not found_gate.serves(direction):
        errors["direction"] = [
            _("%(gate)s does not serve this direction.") % {"gate": found_gate.display_name}
        ]
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
        if "value" not in found and line.value is not None and line.value < 0:
            found["value"] = [_("Must not be negative.")]
        for field, messages in found.items():
            label = cast(Field, CargoLine._meta.get_field(field)).verbose_name if field != "__all__" else ""
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
    elif planned_date > timezone.localdate() + dt.timedelta(days=settings.DECLARATION_HORIZON_DAYS):
        errors["planned_date"] = [
            _("The planned date is more than %(days)d days ahead.")
            % {"days": settings.DECLARATION_HORIZON_DAYS}
        ]
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
    for_reply: bool = False,
) -> Declaration:
    """A new draft of the actor's company, with its cargo lines and containers.

    `for_reply`: the declaration returned carries the rows just written (cargo lines,
    containers, and no documents or reviews yet) as if prefetched, for an answer made at once
    without reading them again; a caller that keeps the object leaves it False."""
    company = operator_company(actor)
    errors: dict[str, Any] = {}

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
        _save_children(declaration, lines, boxes, new=True)
        log_created(declaration, actor=actor)
    if for_reply:
        for name, rows in (("cargo_lines", lines), ("containers", boxes), ("documents", []), ("reviews", [])):
            _in_hand(declaration, name, rows)
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

        def _remove_files() -> None:
            for name in names:
                storage.delete(name)

        transaction.on_commit(_remove_files)


def _save_children(
    declaration: Declaration,
    lines: list[CargoLine] | None,
    boxes: list[Container] | None,
    *,
    new: bool = False,
) -> None:
    """Replace the cargo lines and containers given (None: leave them); a `new` declaration has
    none to delete."""
    if lines is not None:
        if not new:
            declaration.cargo_lines.all().delete()
        for line in lines:
            line.declaration = declaration
        CargoLine.objects.bulk_create(lines)
    if boxes is not None:
        if not new:
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
            # An approval stands through resubmission, so what it judged must stay: the border
            # guard's is of this vehicle and this driver.
            if current.reviews.filter(agency=Agency.BORDER_GUARD, state=R.APPROVED).exists():
                fixed = {
                    "vehicle": (current.vehicle_id, _("The border guard approved this vehicle: it cannot change now.")),
                    "driver": (current.driver_id, _("The border guard approved this driver: it cannot change now.")),
                }  # fmt: skip
                for name, (before, message) in fixed.items():
                    given = fields.get(name)
                    if given is not None and str(getattr(given, "pk", given)) != str(before):
                        errors[name] = [message]
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
        # _validation raised for a party not found or a date not given.
        assert vehicle is not None and driver is not None and gate is not None and date is not None
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
    problem = document_problem(data, mime)  # absurd image sizes, PDFs with scripts
    if problem:
        raise ValidationError({"file": [problem]})
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
        stored_name = document.file.name
        # Storage is not transactional: if the row does not commit, the file must not stay.
        try:
            document.save()
        except Exception:
            document.file.storage.delete(stored_name)
            raise
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


def declaration_copy(*, actor: Any, declaration: Declaration) -> Declaration:
    """A new draft from any declaration of the actor's company (typically one that ended).

    1. Same vehicle, driver, gate, direction, delivery, cargo lines, containers and documents
       (the files are copied: the two declarations never share one).
    2. Planned date: the original's when it is still ahead, else today.
    3. Nothing of the workflow is copied: no state, channel, reviews, fee or booking.
    """
    company = operator_company(actor)
    source = (
        Declaration.objects.filter(pk=declaration.pk, company=company)
        .prefetch_related("cargo_lines", "containers", "documents")
        .first()
    )
    if source is None:
        raise NotFound(_("No such declaration."))
    written: list[str] = []
    storage = Document._meta.get_field("file").storage
    try:
        with transaction.atomic():
            copy = Declaration.objects.create(
                company=company,
                vehicle_id=source.vehicle_id,
                driver_id=source.driver_id,
                gate_id=source.gate_id,
                direction=source.direction,
                planned_date=max(source.planned_date, timezone.localdate()),
                delivery_mode=source.delivery_mode,
                temporary_import=source.temporary_import,
            )
            lines = [
                CargoLine(**{k: getattr(line, k) for k in CARGO_FIELDS}) for line in source.cargo_lines.all()
            ]
            boxes = [Container(number=c.number, size_ft=c.size_ft) for c in source.containers.all()]
            _save_children(copy, lines, boxes)
            for document in source.documents.all():
                with document.file.open("rb") as handle:
                    data = handle.read()
                twin = Document(
                    declaration=copy,
                    kind=document.kind,
                    original_name=document.original_name,
                    content_type=document.content_type,
                    size=document.size,
                    sha256=document.sha256,
                )
                twin.file.save(document.file.name.rsplit("/", 1)[-1], ContentFile(data), save=False)
                written.append(twin.file.name)
                twin.save()
            log_created(copy, actor=actor)
    except Exception:
        for name in written:
            storage.delete(name)
        raise
    return copy
