"""JSON with a depth limit: a body nested deeper than JSON_MAX_DEPTH is a 400, never a
RecursionError (500). Used by the API's parser and by the payment callback."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class TooDeep(ValueError):
    pass


def depth_exceeds(value: Any, limit: int) -> bool:
    """True when lists/objects nest deeper than `limit` (iterative: no recursion to exhaust)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")  # NaN, Infinity: not JSON, not a number of VND


def loads_limited(text: str | bytes, limit: int | None = None) -> Any:
    """json.loads, refusing (TooDeep, a ValueError) what nests deeper than the limit."""
    limit = limit or settings.JSON_MAX_DEPTH
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except RecursionError as exc:  # deeper than the interpreter allows: deeper than any limit
        raise TooDeep(_("The JSON nests deeper than %(limit)d levels.") % {"limit": limit}) from exc
    if depth_exceeds(data, limit):
        raise TooDeep(_("The JSON nests deeper than %(limit)d levels.") % {"limit": limit})
    return data


class DepthLimitedJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            return loads_limited(stream.read().decode(encoding))
        except TooDeep as exc:
            raise ParseError(str(exc))
        except ValueError as exc:
            raise ParseError(_("JSON parse error - %(error)s") % {"error": exc})
