"""Writes to the registries: companies (and signing up as one), drivers, vehicles.

Every function is keyword-only and raises Django's ``ValidationError`` keyed by field name, so the
portal's forms show the message beside the field and the API answers
``{"code": "invalid", "detail": {"field": [...]}}``. Nothing is half-applied: each write runs in
one transaction, and the unique constraints behind the friendly checks turn a race into the same
message rather than an ``IntegrityError``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext_lazy as _

from cuakhau.accounts.models import Profile
from cuakhau.accounts.roles import Role
from cuakhau.errors import Conflict, NotAllowed

from .models import Company, CompanyMember, Driver, Vehicle
from .plates import PlateError, parse_plate
from .validators import validate_cccd, validate_passport, validate_phone, validate_tax_code

COMPANY_FIELDS = ("name", "tax_code", "address", "phone")
DRIVER_FIELDS = ("full_name", "nationality", "id_number", "phone", "licence_number")
VEHICLE_FIELDS = ("plate", "country", "kind", "trailer_plate", "max_gross_kg")

_NATIONALITY = re.compile(r"[A-Z]{2}")


def _full_clean(obj: Any, errors: dict[str, list[Any]], *, skip: tuple[str, ...] = ()) -> None:
    """Run the model's own field checks too and raise everything found, keyed by field.

    Uniqueness is checked by the callers with a friendlier message (and enforced by the
    database), so Django's generic "already exists" messages are left out.
    """
    try:
        obj.full_clean(validate_unique=False, validate_constraints=False, exclude=[*errors, *skip])
    except ValidationError as exc:
        for field, messages in exc.error_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)


# --- Companies -----------------------------------------------------------------------------


def _clean_company(company: Company) -> None:
    """Normalise and validate a company before saving it (tax code rule, unique tax code)."""
    company.name = (company.name or "").strip()
    company.tax_code = (company.tax_code or "").strip()
    company.address = (company.address or "").strip()
    company.phone = (company.phone or "").strip()
    errors: dict[str, list[Any]] = {}
    try:
        validate_tax_code(company.tax_code)
    except ValidationError as exc:
        errors.setdefault("tax_code", []).extend(exc.error_list)
    else:
        if Company.objects.filter(tax_code=company.tax_code).exclude(pk=company.pk).exists():
            errors.setdefault("tax_code", []).append(_tax_code_taken(company.tax_code))
    if company.phone:
        try:
            validate_phone(company.phone)
        except ValidationError as exc:
            errors.setdefault("phone", []).extend(exc.error_list)
    _full_clean(company, errors)


def _tax_code_taken(tax_code: str) -> ValidationError:
    return ValidationError(
        _("A company with tax code %(tax_code)s is already registered."),
        code="tax_code_taken",
        params={"tax_code": tax_code},
    )


def _save_company(company: Company) -> Company:
    try:
        with transaction.atomic():
            company.save()
    except IntegrityError:
        # Two sign-ups with the same tax code at the same moment: the constraint decides.
        raise ValidationError({"tax_code": [_tax_code_taken(company.tax_code)]})
    return company


def company_sign_up(
    *,
    username: str,
    password: str,
    company_name: str,
    tax_code: str,
    email: str = "",
    address: str = "",
    phone: str = "",
    language: str = "vi",
) -> AbstractBaseUser:
    """Sign up an operator: the user, their company, the membership and their profile.

    1. Validate the company (tax code format and uniqueness) and the user (free username,
       password rules) together, so every problem is reported at once.
    2. In one transaction: create the user in the ``operator`` group, the company, the
       membership and the profile with the chosen language.
    """
    User = get_user_model()
    username = (username or "").strip()
    email = (email or "").strip()
    company = Company(name=company_name, tax_code=tax_code, address=address, phone=phone)
    user = User(username=username, email=email)

    errors: dict[str, list[Any]] = {}
    try:
        _clean_company(company)
    except ValidationError as exc:
        for field, messages in exc.error_dict.items():
            errors.setdefault("company_name" if field == "name" else field, []).extend(messages)
    if not username:
        errors.setdefault("username", []).append(ValidationError(_("Enter a username."), code="required"))
    elif User.objects.filter(username__iexact=username).exists():
        errors.setdefault("username", []).append(
            ValidationError(_("This username is already taken."), code="username_taken")
        )
    try:
        validate_password(password, user)
    except ValidationError as exc:
        errors.setdefault("password", []).extend(exc.error_list)
    if errors:
        raise ValidationError(errors)

    with transaction.atomic():
        user.set_password(password)
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:
            raise ValidationError(
                {"username": [ValidationError(_("This username is already taken."), code="username_taken")]}
            )
        user.groups.add(Group.objects.get(name=Role.OPERATOR))
        _save_company(company)
        CompanyMember.objects.create(user=user, company=company)
        Profile.objects.update_or_create(user=user, defaults={"language": language, "phone": phone})
    return user


def company_create_for_user(*, user: Any, data: Mapping[str, Any]) -> Company:
    """Register a company for a signed-in user who has none yet, making them its operator.

    Staff (officers, gate staff, managers) do not act for companies; a user who already acts
    for one cannot open a second (one membership per user).
    """
    if CompanyMember.objects.filter(user=user).exists():
        raise Conflict(_("You already belong to a company; you cannot register another one."))
    if user.is_staff or hasattr(user, "staff_assignment"):
        raise NotAllowed(_("Officers and gate staff cannot register a company."))
    company = Company(**{f: data.get(f, "") for f in COMPANY_FIELDS})
    with transaction.atomic():
        _clean_company(company)
        _save_company(company)
        CompanyMember.objects.create(user=user, company=company)
        user.groups.add(Group.objects.get(name=Role.OPERATOR))
    user._company_cache = company
    return company


def company_update(*, company: Company, data: Mapping[str, Any]) -> Company:
    """Change a company's name, tax code, address or phone (fields absent from data are kept)."""
    for field in COMPANY_FIELDS:
        if field in data:
            setattr(company, field, data[field] if data[field] is not None else "")
    with transaction.atomic():
        _clean_company(company)
        _save_company(company)
    return company


def company_validate(*, company: Company) -> None:
    """The checks ``company_update`` runs, for forms that save themselves (the admin)."""
    _clean_company(company)


# --- Drivers -------------------------------------------------------------------------------


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
    _full_clean(driver, errors)


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


# --- Vehicles ------------------------------------------------------------------------------


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
    _full_clean(vehicle, errors, skip=("country",) if "plate" in errors else ())


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


# --- Profile (language and notification channels) -------------------------------------------


def profile_update(
    *,
    user: Any,
    language: str | None = None,
    phone: str | None = None,
    notify_email: bool | None = None,
    notify_sms: bool | None = None,
) -> Profile:
    """Change a user's language and how they want to be told; SMS needs a phone number."""
    profile, _created = Profile.objects.get_or_create(user=user)
    if language is not None:
        profile.language = language
    if phone is not None:
        profile.phone = phone.strip()
    if notify_email is not None:
        profile.notify_email = notify_email
    if notify_sms is not None:
        profile.notify_sms = notify_sms
    errors: dict[str, list[Any]] = {}
    if profile.phone:
        try:
            validate_phone(profile.phone)
        except ValidationError as exc:
            errors["phone"] = exc.error_list
    elif profile.notify_sms:
        errors["phone"] = [
            ValidationError(_("Enter a phone number to be notified by SMS."), code="phone_required")
        ]
    _full_clean(profile, errors)
    profile.save()
    return profile
