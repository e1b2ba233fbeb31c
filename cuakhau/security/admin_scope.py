"""Admin scoping: every ModelAdmin shows a staff member only the rows of their gates and agency.

Enforced in one place. Each ModelAdmin has `ScopedAdmin` among its bases and says how to find
a row's gate and agency with one declarative attribute:

    @admin.register(Payment)
    class PaymentAdmin(ScopedAdmin, admin.ModelAdmin):
        admin_scope = Scope(gate="gate")

The rule (`scope_queryset`), for anyone but a superuser:
1. `gate`: rows whose gate (a lookup path, forward or reverse) is one of the user's gates. A row
   with no gate applies everywhere (e.g. a routing rule for all gates): it is listed only when
   `all_gates_rows` says so, and then read-only.
2. `agency`: an officer (a user with an agency) sees only rows of their agency; managers and
   gate staff have none and see every agency at their gates.
3. `generic`: rows about another object (the transition log's content type and id, a
   notification's subject) are visible when that object is visible in its own admin.
4. `hidden`: rows that are nobody's business but their owner's (drafts) are left out.
5. `GLOBAL`: province-wide data with no gate (the fee schedule, roles); model permissions alone.
6. `SUPERUSER_ONLY`: everything else (users, tokens, companies' members): superusers only.
`masked` fields (drivers' identity numbers) show only their last digits to roles that do not
need them. A subclass's own `get_queryset` is wrapped too, so no admin can forget the scope.

This module sits on the lowest floor and knows no app: the gates and agency of a user come
from the resolver `vehicles` installs at start-up (`set_principal_resolver`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest

from cuakhau.accounts.roles import user_has_role


@dataclass(frozen=True)
class Scope:
    gate: str | None = None
    agency: str | None = None
    all_gates_rows: bool = False
    generic: tuple[str, str] | None = None  # (content type or subject type field, id field)
    hidden: dict[str, Any] = field(default_factory=dict)
    masked: dict[str, tuple[str, ...]] = field(default_factory=dict)  # field → roles that see it
    kind: str = "scoped"  # scoped | global | superuser_only


GLOBAL = Scope(kind="global")
SUPERUSER_ONLY = Scope(kind="superuser_only")


@dataclass(frozen=True)
class Principal:
    gate_ids: frozenset[int]
    agency: str  # '' for managers and gate staff


_resolver: Callable[[Any], Principal] | None = None


def set_principal_resolver(resolver: Callable[[Any], Principal]) -> None:
    """Installed by the registries app (which knows who works where) when Django starts."""
    global _resolver
    _resolver = resolver


def principal(user: Any) -> Principal:
    cached = getattr(user, "_admin_principal", None)
    if cached is None:
        cached = _resolver(user) if _resolver else Principal(frozenset(), "")
        user._admin_principal = cached
    return cached


def _generic_q(scope: Scope, user: Any, model: type[Model]) -> Q:
    """Rows about objects visible in their own scoped admin (rule 3)."""
    type_field, id_field = cast(tuple[str, str], scope.generic)  # called for a scope with one
    allowed = Q(pk__in=[])
    for other, model_admin in admin.site._registry.items():
        other_scope = getattr(model_admin, "admin_scope", None)
        if other is model or other_scope is None or other_scope.kind != "scoped" or other_scope.generic:
            continue
        visible = scope_queryset(other._default_manager.all(), user, other_scope).values("pk")
        if model._meta.get_field(type_field).is_relation:
            key: Any = ContentType.objects.get_for_model(other)
        else:
            key = other._meta.model_name
        allowed |= Q(**{type_field: key, f"{id_field}__in": visible})
    return allowed


def scope_queryset(queryset: QuerySet, user: Any, scope: Scope) -> QuerySet:
    """`queryset` cut down to what `user` may see under `scope` (the rule in the docstring)."""
    if getattr(user, "is_superuser", False):
        return queryset
    if not getattr(user, "is_authenticated", False) or scope.kind == "superuser_only":
        return queryset.none()
    if scope.kind == "global":
        return queryset
    who = principal(user)
    mine = Q()
    if scope.gate:
        mine = Q(**{f"{scope.gate}__in": who.gate_ids})
        if scope.all_gates_rows:
            mine |= Q(**{f"{scope.gate}__isnull": True})
    if scope.agency and who.agency:
        mine &= Q(**{scope.agency: who.agency})
    if mine:
        # Through a subquery, so a reverse path (a driver's declarations) yields no duplicates.
        queryset = queryset.filter(pk__in=queryset.model._default_manager.filter(mine).values("pk"))
    if scope.generic:
        generic = _generic_q(scope, user, queryset.model)
        if hasattr(queryset.model, "recipient"):
            generic |= Q(recipient=user)
        queryset = queryset.filter(generic)
    if scope.hidden:
        queryset = queryset.exclude(**scope.hidden)
    return queryset


def _masked(value: Any) -> str:
    text = str(value or "")
    return "•" * max(len(text) - 3, 0) + text[-3:] if text else ""


class ScopedAdmin(admin.ModelAdmin):
    """Base of every ModelAdmin of the project: see the module docstring."""

    admin_scope: Scope = SUPERUSER_ONLY

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        own = cls.__dict__.get("get_queryset")
        if own is not None and not getattr(own, "_scoped", False):

            @functools.wraps(own)
            def get_queryset(self: ScopedAdmin, request: HttpRequest) -> QuerySet:
                return scope_queryset(own(self, request), request.user, self.admin_scope)

            # A mark on the wrapper (wrapped once), which replaces the method of the class being made.
            get_queryset._scoped = True  # type: ignore[attr-defined]
            cls.get_queryset = get_queryset  # type: ignore[method-assign]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return scope_queryset(super().get_queryset(request), request.user, self.admin_scope)

    # --- rows that apply to every gate: read-only for all but superusers --------------------
    def _is_all_gates_row(self, request: HttpRequest, obj: Any) -> bool:
        scope = self.admin_scope
        if obj is None or request.user.is_superuser or not (scope.gate and scope.all_gates_rows):
            return False
        return getattr(obj, f"{scope.gate}_id", None) is None

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not self._is_all_gates_row(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not self._is_all_gates_row(request, obj) and super().has_delete_permission(request, obj)

    # --- the gate picker offers the user's gates only, and a gate is required --------------
    def _gates_of_user(self, formfield: Any, request: HttpRequest, db_field: Any) -> bool:
        """Limit the gate field's choices to the user's gates; True when it is that field."""
        if formfield is None or request.user.is_superuser or db_field.name != self.admin_scope.gate:
            return False
        formfield.queryset = cast(QuerySet, formfield.queryset).filter(
            pk__in=principal(request.user).gate_ids
        )
        return True

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if formfield is not None and self._gates_of_user(formfield, request, db_field):
            formfield.required = True
        return formfield

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        formfield = super().formfield_for_manytomany(db_field, request, **kwargs)
        self._gates_of_user(formfield, request, db_field)
        return formfield

    # --- masked fields -----------------------------------------------------------------------
    def _hidden_fields(self, request: HttpRequest) -> set[str]:
        user = request.user
        if user.is_superuser:
            return set()
        return {
            name
            for name, roles in self.admin_scope.masked.items()
            if not any(user_has_role(user, role) for role in roles)
        }

    def _swap(self, request: HttpRequest, names: Any) -> list[Any]:
        hidden = self._hidden_fields(request)
        return [f"masked_{n}" if isinstance(n, str) and n in hidden else n for n in names]

    def get_list_display(self, request: HttpRequest) -> Any:
        return self._swap(request, super().get_list_display(request))

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self._swap(request, super().get_fields(request, obj))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        readonly = list(super().get_readonly_fields(request, obj))
        return readonly + [f"masked_{n}" for n in self._hidden_fields(request)]

    def get_search_fields(self, request: HttpRequest) -> Any:
        # Searching by a masked value would tell whether it exists.
        hidden = self._hidden_fields(request)
        return [f for f in super().get_search_fields(request) if f.lstrip("=^@") not in hidden]

    def __getattr__(self, name: str) -> Any:
        # masked_<field> is a read-only display of <field> with all but its last 3 characters hidden.
        if name.startswith("masked_") and name[len("masked_") :] in self.__class__.admin_scope.masked:
            source = name[len("masked_") :]

            def show(obj: Any) -> str:
                return _masked(getattr(obj, source, ""))

            # The admin reads a column's title from the function, as for `@admin.display`.
            show.short_description = self.model._meta.get_field(source).verbose_name  # type: ignore[attr-defined]
            return show
        raise AttributeError(name)


class ReadOnlyAdmin:
    """A page (or inline) people look at and never write: no add, no change, no delete.

    Put it first in the bases, before the scoping mixin, so its answers win:
    ``class PaymentAdmin(ReadOnlyAdmin, ScopedAdmin, admin.ModelAdmin)``. Works for inlines too
    (``has_add_permission`` takes the inline's parent object).
    """

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
