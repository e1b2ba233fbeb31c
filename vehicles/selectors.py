"""Who a user is in the domain: their company, agency and gates."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from cuakhau.accounts.roles import user_has_role
from cuakhau.security.admin_scope import Principal

from .models import Company, CompanyMember, Driver, Gate, StaffAssignment, Vehicle
from .plates import canonical_plate


def company_for_user(user: Any) -> Company | None:
    if not getattr(user, "is_authenticated", False):
        return None
    cached: Any = getattr(user, "_company_cache", False)
    if cached is not False:
        return cached
    # The membership and its company in one query (not one for each), cached on the user as
    # `user.company_member` would be.
    related = CompanyMember._meta.get_field("user").remote_field
    if not isinstance(user, related.model):  # a device or another principal: no membership
        member = getattr(user, "company_member", None)
    elif related.is_cached(user):
        member = related.get_cached_value(user)
    else:
        member = CompanyMember.objects.select_related("company").filter(user_id=user.pk).first()
        related.set_cached_value(user, member)
    company = member.company if member else None
    user._company_cache = company
    return company


def company_known(user: Any) -> bool:
    """Whether company_for_user(user) has already been answered (no query to ask it again)."""
    return getattr(user, "_company_cache", False) is not False


def remember_company(user: Any, company: Company) -> None:
    """Tell company_for_user the company of `user` (an instance of the user model), read by the
    caller with a join on `user`'s membership: the company company_for_user would answer (a
    user has one membership), without its query."""
    user._company_cache = company


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


def user_works_at_gate(user: Any, gate_id: int, roles: tuple[str, ...]) -> bool:
    """The user has one of `roles` and is assigned to the gate (superusers work everywhere)."""
    if getattr(user, "is_superuser", False):
        return True
    return any(user_has_role(user, role) for role in roles) and gate_id in gate_ids_for_user(user)


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


def search_by_plate(queryset: QuerySet, search_term: str, *fields: str) -> QuerySet:
    """Rows whose plate fields contain the plate typed however it is printed.

    "29C-123.45", "29c 123 45" and "29C12345" all become 29C12345 through the one plate parser's
    canonical form; "桂A·12345" becomes 桂A12345. The admin's searches OR this into their own.
    """
    canonical = canonical_plate(search_term)
    if len(canonical) < 3 or not fields:
        return queryset.none()
    match = Q()
    for field in fields:
        match |= Q(**{f"{field}__contains": canonical})
    return queryset.filter(match)
