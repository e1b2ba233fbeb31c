"""What every registry service shares: collecting field errors into one ValidationError."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError


def full_clean(obj: Any, errors: dict[str, list[Any]], *, skip: tuple[str, ...] = ()) -> None:
    """Run the model's own field checks too and raise everything found, keyed by field.

    Uniqueness is checked by the callers with a friendlier message (and enforced by the
    database), so Django's generic "already exists" messages are left out. A foreign key whose
    object the caller handed over, read from the database (the caller's own company), is not
    looked up again to prove it exists: the database's foreign key holds it as well.
    """
    held = [
        field.name
        for field in obj._meta.concrete_fields
        if field.many_to_one and field.is_cached(obj) and _saved(field.get_cached_value(obj))
    ]
    try:
        obj.full_clean(validate_unique=False, validate_constraints=False, exclude=[*errors, *skip, *held])
    except ValidationError as exc:
        for field, messages in exc.error_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)


def _saved(related: Any) -> bool:
    return related is not None and not related._state.adding
