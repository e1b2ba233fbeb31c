"""Who the caller is, established in one statement per request.

A request asks, as it goes, for the caller's role names (`user_has_role`), company
(`company_for_user`), staff assignment and gates (`gate_ids_for_user`): up to four queries after
the token's own. On PostgreSQL the token is read with all of them — the membership and its
company, the assignment joined; the group names and the assignment's gate ids as arrays — by one
hand-written statement (built once per process), and the answers are left in the caches those
selectors consult, so none of them asks again within the request. Nothing outlives the request: the user object is built afresh by each one.

Other databases (SQLite for `make run`) keep DRF's read and the selectors' own queries.
"""

from __future__ import annotations

import functools
from typing import Any, cast

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connections, router
from django.db.models import Model
from rest_framework.authentication import TokenAuthentication

from cuakhau.sqlrows import Reader, cache_related, layout

from .models import Company, CompanyMember, StaffAssignment
from .selectors import company_for_user


def caller_in_one_statement(model: type[Model]) -> bool:
    """Whether the caller's parts can be read with `model` in one statement (PostgreSQL's arrays)."""
    return connections[router.db_for_read(model)].vendor == "postgresql"


class _CallerRead:
    """The token, its user, the membership with its company, the staff assignment, and the
    user's group names and the assignment's gate ids as arrays: one statement, its text built
    once per process from the models' columns (cuakhau/sqlrows.py). Compiled by the ORM per
    request, the same statement cost 3 ms of CPU, more than the four queries it replaces."""

    def __init__(self, token_model: type[Model]) -> None:
        user_model = get_user_model()
        self.token = Reader(token_model, "t")
        self.user = Reader(user_model, "u")
        self.member = Reader(CompanyMember, "m")
        self.company = Reader(Company, "c")
        self.assignment = Reader(StaffAssignment, "a")
        select = layout(self.token, self.user, self.member, self.company, self.assignment)
        user_groups = cast(Any, user_model._meta.get_field("groups")).remote_field.through
        gates = cast(Any, StaffAssignment._meta.get_field("gates")).remote_field.through
        token_user = cast(Any, token_model._meta.get_field("user")).column
        self.sql = (
            f"SELECT {select}, "
            f"ARRAY(SELECT g.name FROM {Group._meta.db_table} g "
            f"INNER JOIN {user_groups._meta.db_table} ug ON ug.group_id = g.id WHERE ug.user_id = u.id), "
            f"ARRAY(SELECT sg.gate_id FROM {gates._meta.db_table} sg WHERE sg.staffassignment_id = a.id) "
            f"FROM {token_model._meta.db_table} t "
            f'INNER JOIN {user_model._meta.db_table} u ON u.id = t."{token_user}" '
            f"LEFT JOIN {CompanyMember._meta.db_table} m ON m.user_id = u.id "
            f"LEFT JOIN {Company._meta.db_table} c ON c.id = m.company_id "
            f"LEFT JOIN {StaffAssignment._meta.db_table} a ON a.user_id = u.id "
            f'WHERE t."{cast(Any, token_model._meta.pk).column}" = %s'
        )
        self.width = self.assignment.start + self.assignment.width

    def run(self, key: str) -> Model | None:
        """The token `key` with its user, the user's caches filled; None when there is none."""
        connection = connections[router.db_for_read(self.token.model)]
        with connection.cursor() as cursor:
            cursor.execute(self.sql, [key])
            row = cursor.fetchone()
        if row is None:
            return None
        token, user = self.token.make(row), cast(Model, self.user.make(row))
        member, assignment = self.member.make(row), self.assignment.make(row)
        cache_related(member, "company", self.company.make(row))
        cache_related(token, "user", user)
        # The reverse one-to-one caches, as select_related leaves them (None: no such row).
        CompanyMember._meta.get_field("user").remote_field.set_cached_value(user, member)
        StaffAssignment._meta.get_field("user").remote_field.set_cached_value(user, assignment)
        role_names, gate_ids = row[self.width], row[self.width + 1]
        remember_caller(user, role_names or [], gate_ids or [])
        return token


@functools.cache
def _caller_read(token_model: type[Model]) -> _CallerRead:
    return _CallerRead(token_model)


def remember_caller(user: Any, role_names: list[str], gate_ids: list[int]) -> None:
    """Leave what the caller's statement read where `user_has_role`, `company_for_user` and
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
        token: Any = _caller_read(model).run(key)
        if token is None or not token.user.is_active:
            return super().authenticate_credentials(key)
        return token.user, token
