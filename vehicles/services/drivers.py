"""Drivers of a company: CCCD for Vietnamese drivers, passport for the others."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext_lazy as _

from cuakhau.errors import Conflict

from ..models import Company, Driver
from ..validators import validate_cccd, validate_passport, validate_phone
from ._common import full_clean

DRIVER_FIELDS = ("full_name", "nationality", "id_number", "phone", "licence_number")

_NATIONALITY = re.compile(r"[A-Z]{2}")


def _clean_driver(driver: Driver) -> None:
    """Normalise and validate a driver: CCCD for Vietnamese, passport for everyone else."""
    driver.full_name = " ".join((driver.full_name or "").split())
    driver.nationality = (driver.nationality or "").strip().upper()
    driver.id_number = (driver.id_number or "").strip().upper()
    driver.phone = (driver.phone or "").strip()
    driver.licence_number = (driver.licence_number or "").strip().upper()
    errors: dict[str, list[Any]] = {}
    if not _NATIONALITY.fullmatch(driver.nationality):
        errors["nationality"] = [
            ValidationError(
                _("Enter the two-letter country code of the nationality (e.g. VN, CN)."),
                code="invalid_nationality",
            )
        ]
    else:
        validator = validate_cccd if driver.nationality == "VN" else validate_passport
        try:
            validator(driver.id_number)
        except ValidationError as exc:
            errors["id_number"] = exc.error_list
        else:
            duplicate = Driver.objects.filter(
                company_id=driver.company_id, nationality=driver.nationality, id_number=driver.id_number
            ).exclude(pk=driver.pk)
            if duplicate.exists():
                errors["id_number"] = [_driver_taken()]
    if driver.phone:
        try:
            validate_phone(driver.phone)
        except ValidationError as exc:
            errors["phone"] = exc.error_list
    full_clean(driver, errors)


def _driver_taken() -> ValidationError:
    return ValidationError(
        _("Your company already has a driver with this identity number."), code="driver_taken"
    )


def _save_driver(driver: Driver) -> Driver:
    try:
        with transaction.atomic():
            driver.save()
    except IntegrityError:
        raise ValidationError({"id_number": [_driver_taken()]})
    return driver


def driver_create(
    *,
    company: Company,
    full_name: str,
    nationality: str,
    id_number: str,
    phone: str = "",
    licence_number: str = "",
) -> Driver:
    driver = Driver(
        company=company,
        full_name=full_name,
        nationality=nationality,
        id_number=id_number,
        phone=phone,
        licence_number=licence_number,
    )
    _clean_driver(driver)
    return _save_driver(driver)


def driver_update(*, driver: Driver, data: Mapping[str, Any]) -> Driver:
    for field in DRIVER_FIELDS:
        if field in data:
            setattr(driver, field, data[field] if data[field] is not None else "")
    _clean_driver(driver)
    return _save_driver(driver)


def driver_delete(*, driver: Driver) -> None:
    """Delete a driver no declaration refers to (declarations keep their history)."""
    try:
        with transaction.atomic():
            driver.delete()
    except ProtectedError:
        raise Conflict(_("This driver appears on declarations and cannot be deleted."), code="in_use")


def driver_validate(*, driver: Driver) -> None:
    """The checks ``driver_update`` runs, for forms that save themselves (the admin)."""
    _clean_driver(driver)
