"""Who a user is in the domain: their company, agency and gates."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from cuakhau.security.admin_scope import Principal

from .models import Company, Driver, Gate, StaffAssignment, Vehicle


def company_for_user(user: Any) -> Company | None:
    if not getattr(user, "is_authenticated", False):
        return None
    cached = getattr(user, "_company_cache", False)
    if cached is not False:
        return cached
    member = getattr(user, "company_member", None)
    company = member.company if member else None
    user._company_cache = company
    return company


def assignment_for_user(user: Any) -> StaffAssignment | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return getattr(user, "staff_assignment", None)


def agency_for_user(user: Any) -> str:
    assignment = assignment_for_user(user)
    return assignment.agency if assignment else ""


def gate_ids_for_user(user: Any) -> set[int]:
    """Gates an officer/staff member works at. Superusers work everywhere."""
    if getattr(user, "is_superuser", False):
        return set(Gate.objects.values_list("id", flat=True))
    cached = getattr(user, "_gate_ids_cache", None)
    if cached is not None:
        return cached
    assignment = assignment_for_user(user)
    ids = set(assignment.gates.values_list("id", flat=True)) if assignment else set()
    user._gate_ids_cache = ids
    return ids


def admin_principal(user: Any) -> Principal:
    """Who a staff member is for the admin's scope: their gates and agency ('' if none)."""
    return Principal(frozenset(gate_ids_for_user(user)), agency_for_user(user))


def gates_for_user(user: Any) -> QuerySet[Gate]:
    return Gate.objects.filter(id__in=gate_ids_for_user(user))


# The caller's own registries. Everything an operator reads goes through these, so another
# company's row is simply not found (404), never "forbidden".


def companies_for_user(user: Any) -> QuerySet[Company]:
    company = company_for_user(user)
    return Company.objects.filter(pk=company.pk) if company else Company.objects.none()


def drivers_for_user(user: Any) -> QuerySet[Driver]:
    company = company_for_user(user)
    return Driver.objects.filter(company=company) if company else Driver.objects.none()


def vehicles_for_user(user: Any) -> QuerySet[Vehicle]:
    company = company_for_user(user)
    return Vehicle.objects.filter(company=company) if company else Vehicle.objects.none()
