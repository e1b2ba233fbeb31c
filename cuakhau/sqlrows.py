"""Model objects out of hand-written statements, made the way the ORM makes them.

A hot path (a kiosk scan, a booking in a rush) runs the same few small statements thousands of
times; compiling them through the ORM each time costs more CPU than PostgreSQL spends running
them. Such a statement's text is built once per process from the models' own columns (`Reader`,
`layout`), and its rows become model instances as a QuerySet makes them (`Model.from_db`, the
backend's and the fields' converters), with their related objects cached as `select_related`
caches them (`cache_related`). Everything else about the objects is the ORM's: they save,
refresh and follow relations as usual. Each statement written with these is compared with the
ORM query it replaces in a test (tests/kiosk/test_scan_sql.py, tests/queueing/test_booking_request.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from django.db import connection
from django.db.models import Model


class Reader:
    """Reads one model's columns out of a joined row: `width` values from `start`."""

    def __init__(self, model: type[Model], alias: str) -> None:
        self.model = model
        self.fields = list(model._meta.concrete_fields)
        self.columns = ", ".join(f'{alias}."{f.column}"' for f in self.fields)
        self.attnames = [f.attname for f in self.fields]
        self.width = len(self.fields)
        self.start = 0
        self.converters: list[tuple[int, Any, list[Any]]] = []
        for i, field in enumerate(self.fields):
            # The same converters the ORM applies to a column it reads (the backend's, then the
            # field's from_db_value): JSON decoded, SQLite's text turned into dates, and so on.
            column = field.get_col(alias)
            found = connection.ops.get_db_converters(column) + cast(Any, field).get_db_converters(connection)
            if found:
                self.converters.append((i, column, found))

    def make(self, row: Sequence[Any]) -> Model | None:
        values = list(row[self.start : self.start + self.width])
        if values[0] is None:  # the primary key: no row on that side of a LEFT JOIN
            return None
        for i, column, converters in self.converters:
            for convert in converters:
                values[i] = convert(values[i], column, connection)
        return self.model.from_db(connection.alias, self.attnames, values)


def layout(*readers: Reader) -> str:
    """Place the readers side by side in a row; return their SELECT list."""
    start = 0
    for reader in readers:
        reader.start = start
        start += reader.width
    return ", ".join(reader.columns for reader in readers)


def cache_related(instance: Model | None, name: str, value: Model | None) -> None:
    """What select_related does with a related row: the object is there, no query follows."""
    if instance is not None:  # an inner join's side is always there; a left join's may not be
        cast(Any, type(instance)._meta.get_field(name)).set_cached_value(instance, value)
