"""Vehicles of a company: plates through the one parser, unique per country."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext_lazy as _

from cuakhau.errors import Conflict

from ..models import Company, Vehicle
from ..plates import PlateError, parse_plate
from ._common import full_clean

VEHICLE_FIELDS = ("plate", "country", "kind", "trailer_plate", "max_gross_kg")


def _clean_vehicle(vehicle: Vehicle, *, country_given: bool) -> None:
    """Parse the plates with the one plate parser and check the plate is not registered yet.

    The typed plate is replaced by its display form (``12c 123 45`` → ``12C-123.45``); the
    country is inferred from the plate when the caller did not give one. The trailer plate is
    parsed on its own: a Vietnamese tractor may pull a Chinese trailer.
    """
    errors: dict[str, list[Any]] = {}
    country = (vehicle.country or "").strip().upper() if country_given else None
    try:
        plate = parse_plate(vehicle.plate or "", country or None)
    except PlateError as exc:
        errors["plate"] = exc.error_list
    else:
        vehicle.plate = plate.display
        vehicle.plate_canonical = plate.canonical
        vehicle.country = plate.country
        duplicate = Vehicle.objects.filter(country=plate.country, plate_canonical=plate.canonical)
        if duplicate.exclude(pk=vehicle.pk).exists():
            errors["plate"] = [_plate_taken(plate.display)]
    if vehicle.trailer_plate and vehicle.trailer_plate.strip():
        try:
            vehicle.trailer_plate = parse_plate(vehicle.trailer_plate).display
        except PlateError as exc:
            errors["trailer_plate"] = exc.error_list
    else:
        vehicle.trailer_plate = ""
    if vehicle.max_gross_kg is not None and not 1000 <= vehicle.max_gross_kg <= 100_000:
        errors["max_gross_kg"] = [
            ValidationError(
                _("Enter a maximum gross weight between 1,000 and 100,000 kg."), code="invalid_weight"
            )
        ]
    # A plate that does not parse leaves the country unknown: say what is wrong with the plate.
    full_clean(vehicle, errors, skip=("country",) if "plate" in errors else ())


def _plate_taken(display: str) -> ValidationError:
    return ValidationError(
        _("A vehicle with plate %(plate)s is already registered."),
        code="plate_taken",
        params={"plate": display},
    )


def _save_vehicle(vehicle: Vehicle) -> Vehicle:
    try:
        with transaction.atomic():
            vehicle.save()
    except IntegrityError:
        raise ValidationError({"plate": [_plate_taken(vehicle.plate)]})
    return vehicle


def vehicle_create(
    *,
    company: Company,
    plate: str,
    country: str | None = None,
    kind: str = "truck",
    trailer_plate: str = "",
    max_gross_kg: int | None = None,
) -> Vehicle:
    """Register a vehicle; ``country`` defaults to the one the plate's shape says (VN or CN)."""
    vehicle = Vehicle(
        company=company,
        plate=plate,
        country=country or "",
        kind=kind,
        trailer_plate=trailer_plate or "",
        max_gross_kg=max_gross_kg,
    )
    _clean_vehicle(vehicle, country_given=bool(country))
    return _save_vehicle(vehicle)


def vehicle_update(*, vehicle: Vehicle, data: Mapping[str, Any]) -> Vehicle:
    """Change a vehicle; a new plate is parsed for the (possibly new) country."""
    for field in VEHICLE_FIELDS:
        if field in data:
            value = data[field]
            if value is None and field != "max_gross_kg":
                value = ""
            setattr(vehicle, field, value)
    # Without a country in the change, the plate's shape decides it again (VN or CN).
    _clean_vehicle(vehicle, country_given=bool(data.get("country")))
    return _save_vehicle(vehicle)


def vehicle_delete(*, vehicle: Vehicle) -> None:
    """Delete a vehicle no declaration refers to (declarations keep their history)."""
    try:
        with transaction.atomic():
            vehicle.delete()
    except ProtectedError:
        raise Conflict(_("This vehicle appears on declarations and cannot be deleted."), code="in_use")


def vehicle_validate(*, vehicle: Vehicle) -> None:
    """The checks ``vehicle_update`` runs, for forms that save themselves (the admin)."""
    _clean_vehicle(vehicle, country_given=bool(vehicle.country))
