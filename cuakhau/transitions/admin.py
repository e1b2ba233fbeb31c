"""The transition log in the admin: read-only, every row in words (no raw state codes)."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Field
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cuakhau.security.admin_scope import ReadOnlyAdmin, Scope, ScopedAdmin

from .labels import transition_label
from .models import TransitionLog


def _state_words(entry: TransitionLog, code: str) -> str:
    """The label of a state code of the logged object's state field ('—' for a birth)."""
    if not code:
        return "—"
    model = entry.content_type.model_class()
    try:
        choices = dict(cast(Field, model._meta.get_field(entry.field)).choices or []) if model else {}
    except FieldDoesNotExist:
        choices = {}
    return str(choices.get(code, code))


class TransitionFilter(admin.SimpleListFilter):
    """Filter by transition, named in words."""

    title = _("transition")
    parameter_name = "transition"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        names = model_admin.get_queryset(request).order_by().values_list("transition", flat=True).distinct()
        return sorted(((name, _transition_words(name)) for name in names), key=lambda pair: pair[1])

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        return queryset.filter(transition=self.value()) if self.value() else queryset


def _transition_words(name: str) -> str:
    return gettext("created") if name == "create" else transition_label(name)


# Append-only: people look.
@admin.register(TransitionLog)
class TransitionLogAdmin(ReadOnlyAdmin, ScopedAdmin, admin.ModelAdmin):
    # An entry is visible where the object it is about is visible (its gate, its agency).
    admin_scope = Scope(generic=("content_type", "object_id"))
    list_display = (
        "created",
        "subject_words",
        "transition_words",
        "source_words",
        "target_words",
        "by_words",
    )
    list_filter = ("content_type", TransitionFilter)
    search_fields = ("object_id", "note", "actor__username", "actor_label")
    date_hierarchy = "created"
    list_select_related = ("content_type", "actor")
    fields = (*list_display, "note")
    readonly_fields = fields

    @admin.display(description=_("object"), ordering="content_type")
    def subject_words(self, obj: TransitionLog) -> str:
        model = obj.content_type.model_class()
        name = model._meta.verbose_name if model else obj.content_type.model
        return f"{name} #{obj.object_id}"

    @admin.display(description=_("transition"), ordering="transition")
    def transition_words(self, obj: TransitionLog) -> str:
        return _transition_words(obj.transition)

    @admin.display(description=_("from"))
    def source_words(self, obj: TransitionLog) -> str:
        return _state_words(obj, obj.source)

    @admin.display(description=_("to"))
    def target_words(self, obj: TransitionLog) -> str:
        return _state_words(obj, obj.target)

    @admin.display(description=_("by"))
    def by_words(self, obj: TransitionLog) -> str:
        if obj.actor is not None:
            return obj.actor.get_full_name() or obj.actor.get_username()
        return obj.actor_label if obj.actor_label not in ("", "system") else gettext("the system")
