"""Fire a django-fsm transition the one way every service does it.

`fire()` is called by services, inside their `transaction.atomic()` block, after they checked
the actor's permission. It runs the transition method, saves the object (ConcurrentTransitionMixin
makes a concurrent change raise), writes the TransitionLog row, and turns the library's errors
into one domain error (409).
"""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, TransitionNotAllowed, can_proceed

from cuakhau.errors import Conflict, DomainError

from .labels import transition_label
from .models import TransitionLog

MAX_NOTE_LENGTH = 2000


def fire(
    obj: models.Model,
    transition: str,
    *,
    actor: Any = None,
    actor_label: str = "",
    note: str = "",
    field: str = "state",
    update_fields: list[str] | None = None,
    save: bool = True,
    **kwargs: Any,
) -> TransitionLog:
    """Run `obj.<transition>(**kwargs)`, save, log. Raises Conflict when not allowed now.

    `save=False`: the caller saves `obj` later in the same transaction (with the row locked),
    so that several transitions fired in one request make one UPDATE; each still logs its row.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("fire() must run inside transaction.atomic()")
    if len(note or "") > MAX_NOTE_LENGTH:
        # Notes travel onward in e-mails and SMS: one limit for every reason and comment.
        raise DomainError(
            {"note": [_("Keep the note under %(max)d characters.") % {"max": MAX_NOTE_LENGTH}]},
            code="note_too_long",
        )
    method = getattr(obj, transition)
    source = getattr(obj, field)
    if not can_proceed(method):
        raise Conflict(
            _("Cannot %(action)s: it is %(state)s now.")
            % {"action": transition_label(transition), "state": _state_label(obj, field)},
            code="illegal_transition",
        )
    try:
        method(**kwargs)
        if save:
            obj.save(update_fields=update_fields)
    except (TransitionNotAllowed, ConcurrentTransition) as exc:
        raise Conflict(
            _("Someone changed this at the same moment; reload and try again."),
            code="concurrent_change",
        ) from exc
    return TransitionLog.objects.create(
        content_type=ContentType.objects.get_for_model(obj),
        object_id=obj.pk,
        field=field,
        transition=transition,
        source=str(source),
        target=str(getattr(obj, field)),
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_label=actor_label or ("" if getattr(actor, "is_authenticated", False) else "system"),
        note=note,
    )


def log_created(
    obj: models.Model, *, actor: Any = None, actor_label: str = "", field: str = "state"
) -> TransitionLog:
    """Record an object's birth state, so the log replays to the current state from ''."""
    return TransitionLog.objects.create(
        content_type=ContentType.objects.get_for_model(obj),
        object_id=obj.pk,
        field=field,
        transition="create",
        source="",
        target=str(getattr(obj, field)),
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_label=actor_label or ("" if getattr(actor, "is_authenticated", False) else "system"),
    )


def log_created_many(
    objs: list[Any], *, actor: Any = None, actor_label: str = "", field: str = "state"
) -> None:
    """`log_created` for several objects of one model in one INSERT (one row each)."""
    if not objs:
        return
    content_type = ContentType.objects.get_for_model(objs[0])
    authenticated = getattr(actor, "is_authenticated", False)
    TransitionLog.objects.bulk_create(
        TransitionLog(
            content_type=content_type,
            object_id=obj.pk,
            field=field,
            transition="create",
            source="",
            target=str(getattr(obj, field)),
            actor=actor if authenticated else None,
            actor_label=actor_label or ("" if authenticated else "system"),
        )
        for obj in objs
    )


def history(obj: models.Model) -> models.QuerySet[TransitionLog]:
    return TransitionLog.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk
    ).select_related("actor")


def _state_label(obj: models.Model, field: str) -> str:
    getter = getattr(obj, f"get_{field}_display", None)
    return str(getter()) if getter else str(getattr(obj, field))
