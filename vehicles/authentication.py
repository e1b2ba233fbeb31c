"""Who the caller is, established in one statement per request.

A request asks, as it goes, for the caller's role names (`user_has_role`), company
(`company_for_user`), staff assignment and gates (`gate_ids_for_user`): up to four queries after
the token's own. On PostgreSQL the token is read with all of them — the membership and its
company, the assignment joined; the group names and the assignment's gate ids as arrays — and
the answers are left in the caches those selectors consult, so none of them asks again within
the request. Nothing outlives the request: the user object is built afresh by each one.

Other databases (SQLite for `make run`) keep DRF's read and the selectors' own queries.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group
from django.contrib.postgres.expressions import ArraySubquery
from django.db import connections, router
from django.db.models import Model, OuterRef, QuerySet
from rest_framework.authentication import TokenAuthentication

from .models import StaffAssignment
from .selectors import company_for_user


def caller_in_one_statement(model: type[Model]) -> bool:
    """Whether the caller's parts can be read with `model` in one statement (PostgreSQL's arrays)."""
    return connections[router.db_for_read(model)].vendor == "postgresql"


def with_caller(queryset: QuerySet, user: str = "") -> QuerySet:
    """`queryset` with the caller's parts: `user` is the path to the user (`""`: the rows are users).

    Each row gets `caller_role_names` and `caller_gate_ids` (arrays), and its user the membership
    with its company and the staff assignment (None when absent) in the related-object caches.
    """
    prefix = f"{user}__" if user else ""
    user_id = f"{user}_id" if user else "pk"
    through = StaffAssignment.gates.through
    return queryset.select_related(
        *([user] if user else []), f"{prefix}company_member__company", f"{prefix}staff_assignment"
    ).annotate(
        caller_role_names=ArraySubquery(Group.objects.filter(user=OuterRef(user_id)).values("name")),
        caller_gate_ids=ArraySubquery(
            through.objects.filter(staffassignment__user_id=OuterRef(user_id)).values("gate_id")
        ),
    )


def remember_caller(user: Any, role_names: list[str], gate_ids: list[int]) -> None:
    """Leave what `with_caller` read where `user_has_role`, `company_for_user` and
    `gate_ids_for_user` look first (the membership and assignment are already cached)."""
    user._role_names = set(role_names)
    company_for_user(user)  # from the cached membership: no query
    user._gate_ids_cache = set(gate_ids)


class CallerTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, reading the caller's roles, company and gates with the token.

    An unknown token or an inactive user is handed back to DRF's own read, which refuses it with
    its status and message (one more query, on a refusal only).
    """

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        model = self.get_model()
        if not caller_in_one_statement(model):
            return super().authenticate_credentials(key)
        token = with_caller(model._default_manager.all(), "user").filter(key=key).first()
        if token is None or not token.user.is_active:
            return super().authenticate_credentials(key)
        remember_caller(token.user, token.caller_role_names, token.caller_gate_ids)
        return token.user, token
