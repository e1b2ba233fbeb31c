"""Reads of capacity planning: the scenarios a manager may see."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from cuakhau.errors import NotFound
from vehicles.selectors import gates_for_user

from .models import Scenario
from .params import ALL, GATES


def planning_gates(user: Any) -> list[str]:
    if getattr(user, "is_superuser", False):
        return list(GATES)
    return sorted(set(gates_for_user(user).values_list("code", flat=True)) & set(GATES))


def scenarios_for_user(user: Any) -> QuerySet[Scenario]:
    """Scenarios of the gates the user manages (ALL ones only for who manages all four)."""
    gates = planning_gates(user)
    codes = [*gates, ALL] if set(GATES) <= set(gates) else gates
    return Scenario.objects.filter(gate__in=codes).select_related("baseline", "created_by")


def scenario_for_user(user: Any, pk: Any) -> Scenario:
    try:
        return scenarios_for_user(user).get(pk=int(pk))
    except (Scenario.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("No such scenario."))
