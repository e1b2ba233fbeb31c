"""Companies: signing up as an operator, registering, updating; the user's profile."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from cuakhau.accounts.models import Profile
from cuakhau.accounts.roles import Role
from cuakhau.errors import Conflict, NotAllowed

from ..models import Company, CompanyMember
from ..validators import validate_phone, validate_tax_code
from ._common import full_clean

COMPANY_FIELDS = ("name", "tax_code", "address", "phone")


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
    full_clean(company, errors)


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
) -> User:
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
    if getattr(user, "_role_names", None) is not None:  # read with the caller (user_has_role)
        user._role_names.add(Role.OPERATOR.value)
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
    full_clean(profile, errors)
    profile.save()
    return profile
