"""The booking request's one statement: the caller's declaration and the slot, with its gate.

A booking rush is thousands of requests a minute, most of them refused because the slot is full;
a refusal is decided from the slot's row. The two reads the request needs — the caller's
declaration (only its own company's: any other id "does not exist") and the slot with its gate —
are one statement here, built once per process from the models' columns (cuakhau/sqlrows.py),
instead of two compiled by the ORM per request. `tests/queueing/test_booking_request.py`
compares the objects with the ORM's reads field for field.
"""

from __future__ import annotations

import functools
from typing import Any, cast

from django.db import connection

from cuakhau.sqlrows import Reader, cache_related, layout
from declarations.models import Declaration
from vehicles.models import Company, CompanyMember, Gate

from .models import Slot


class _Read:
    def __init__(self, *, by_membership: bool) -> None:
        self.declaration = Reader(Declaration, "d")
        self.slot = Reader(Slot, "s")
        self.gate = Reader(Gate, "g")
        readers = [self.declaration, self.slot, self.gate]
        self.company = Reader(Company, "c") if by_membership else None
        if self.company is not None:
            readers.append(self.company)
        select = layout(*readers)
        if by_membership:
            # The caller's company is not known yet: its membership decides (a user has one).
            caller = (
                f"INNER JOIN {CompanyMember._meta.db_table} m ON m.company_id = d.company_id AND m.user_id = %s "
                f"INNER JOIN {Company._meta.db_table} c ON c.id = d.company_id "
            )
        else:
            caller = ""
        self.sql = (
            f"SELECT {select} FROM {Declaration._meta.db_table} d {caller}"
            f"CROSS JOIN {Slot._meta.db_table} s "
            f"INNER JOIN {Gate._meta.db_table} g ON g.id = s.gate_id "
            "WHERE d.id = %s AND s.id = %s" + ("" if by_membership else " AND d.company_id = %s")
        )


@functools.cache
def _read(by_membership: bool) -> _Read:
    return _Read(by_membership=by_membership)


def declaration_and_slot(
    *, declaration_id: int, slot_id: int, user_id: int | None = None, company: Company | None = None
) -> tuple[Declaration, Slot, Company] | None:
    """The declaration `declaration_id` of `company` — or, with `user_id` instead, of the company
    that user is a member of — and the slot `slot_id` with its gate; None when either is not
    there. The declaration comes with its company cached (returned too), the slot with its gate."""
    params: list[Any]
    if company is not None:
        read, params = _read(False), [declaration_id, slot_id, company.pk]
    else:
        read, params = _read(True), [user_id, declaration_id, slot_id]
    with connection.cursor() as cursor:
        cursor.execute(read.sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    declaration = cast(Declaration, read.declaration.make(row))
    slot = cast(Slot, read.slot.make(row))
    cache_related(slot, "gate", read.gate.make(row))
    found: Any = read.company.make(row) if read.company is not None else company
    cache_related(declaration, "company", found)
    return declaration, slot, found
