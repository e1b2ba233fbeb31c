"""Roles (Django groups), agencies and what each role may do.

The groups are created by a data migration; their model permissions are granted after every
`migrate` from ROLE_PERMISSIONS below, so a permission added with a new model reaches its roles
without a hand-written migration per app.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, Permission
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OPERATOR = "operator", _("Operator (company or owner-driver)")
    CUSTOMS = "customs", _("Customs officer")
    BORDER_GUARD = "border_guard", _("Border guard officer")
    QUARANTINE = "quarantine", _("Quarantine officer")
    GATE_STAFF = "gate_staff", _("Gate staff")
    GATE_MANAGER = "gate_manager", _("Gate manager")


class Agency(models.TextChoices):
    CUSTOMS = "customs", _("Customs")
    BORDER_GUARD = "border_guard", _("Border guard")
    QUARANTINE = "quarantine", _("Quarantine")


# Group a role belongs to for each agency.
AGENCY_ROLE = {
    Agency.CUSTOMS: Role.CUSTOMS,
    Agency.BORDER_GUARD: Role.BORDER_GUARD,
    Agency.QUARANTINE: Role.QUARANTINE,
}

_OFFICER_PERMS = [
    "declarations.view_declaration",
    "declarations.view_cargoline",
    "declarations.view_container",
    "declarations.view_document",
    "declarations.view_agencyreview",
    "declarations.change_agencyreview",
    "transitions.view_transitionlog",
    "vehicles.view_company",
    "vehicles.view_driver",
    "vehicles.view_vehicle",
]

# app_label.codename per role; codenames that do not exist (yet) are skipped.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.OPERATOR: [],  # operators work in the portal and API, scoped by company, not the admin
    Role.CUSTOMS: _OFFICER_PERMS,
    Role.BORDER_GUARD: _OFFICER_PERMS,
    Role.QUARANTINE: _OFFICER_PERMS,
    Role.GATE_STAFF: [
        "queueing.view_booking",
        "queueing.view_slot",
        "kiosk.view_gateevent",
        "fees.view_payment",
        "fees.add_payment",
        "vehicles.view_vehicle",
    ],
    Role.GATE_MANAGER: [
        "vehicles.view_gate",
        "vehicles.change_gate",
        "vehicles.view_staffassignment",
        "declarations.view_declaration",
        "declarations.view_agencyreview",
        "declarations.view_routingrule",
        "declarations.add_routingrule",
        "declarations.change_routingrule",
        "declarations.delete_routingrule",
        "declarations.view_reviewtarget",
        "declarations.add_reviewtarget",
        "declarations.change_reviewtarget",
        "queueing.view_capacitytemplate",
        "queueing.add_capacitytemplate",
        "queueing.change_capacitytemplate",
        "queueing.delete_capacitytemplate",
        "queueing.view_capacityoverride",
        "queueing.add_capacityoverride",
        "queueing.change_capacityoverride",
        "queueing.delete_capacityoverride",
        "queueing.view_slot",
        "queueing.change_slot",
        "queueing.view_booking",
        "queueing.view_partneracceptance",
        "queueing.add_partneracceptance",
        "queueing.change_partneracceptance",
        "queueing.view_waitlistentry",
        "kiosk.view_device",
        "kiosk.add_device",
        "kiosk.change_device",
        "kiosk.view_gateevent",
        "fees.view_feeschedule",
        "fees.add_feeschedule",
        "fees.change_feeschedule",
        "fees.view_feerate",
        "fees.add_feerate",
        "fees.change_feerate",
        "fees.delete_feerate",
        "fees.view_feemultiplier",
        "fees.add_feemultiplier",
        "fees.change_feemultiplier",
        "fees.delete_feemultiplier",
        "fees.view_fee",
        "fees.view_payment",
        "notifications.view_notification",
        "transitions.view_transitionlog",
        "auditlog.view_logentry",  # the change log of their gates (docs/security.md)
    ],
}

# Roles whose members use the Django admin.
STAFF_ROLES = {Role.CUSTOMS, Role.BORDER_GUARD, Role.QUARANTINE, Role.GATE_STAFF, Role.GATE_MANAGER}


def sync_role_permissions(sender: Any = None, **kwargs: Any) -> None:
    """Grant each role group its permissions; idempotent, runs after every migrate."""
    using = kwargs.get("using", "default")
    for role, perms in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.using(using).get_or_create(name=role)
        wanted: list[Permission] = []
        for perm in perms:
            app_label, codename = perm.split(".")
            found = Permission.objects.using(using).filter(
                content_type__app_label=app_label, codename=codename
            )
            wanted.extend(found)
        group.permissions.add(*wanted)


def user_has_role(user: Any, role: str) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    cached = getattr(user, "_role_names", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        user._role_names = cached
    return role in cached
