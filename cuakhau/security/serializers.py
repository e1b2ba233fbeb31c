"""Writes that name a field the caller cannot write are refused, not silently ignored: a PATCH
of `state`, `channel` or `number` is a 400 naming them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

# A mixin put before a DRF serializer class: to the type checker it derives from that (unknown) class.
_Serializer: Any = serializers.Serializer if TYPE_CHECKING else object


class RefuseReadOnlyFields(_Serializer):
    """Mix into an input serializer, before the DRF class. Read-only fields are its own
    read-only ones plus `answer_fields`: what the endpoint answers with but never reads (for an
    input serializer separate from the output one)."""

    answer_fields: tuple[str, ...] | list[str] = ()

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            fields = self.fields
            writable = {name for name, field in fields.items() if not field.read_only}
            read_only = {name for name, field in fields.items() if field.read_only} | set(self.answer_fields)
            refused = sorted(key for key in data if key in read_only and key not in writable)
            if refused:
                raise serializers.ValidationError({key: [_("This field is read-only.")] for key in refused})
        return super().to_internal_value(data)
