"""The API's pagination: DRF's limit/offset with a ceiling on `limit`."""

from __future__ import annotations

from rest_framework.pagination import LimitOffsetPagination


class CappedLimitOffsetPagination(LimitOffsetPagination):
    # Without a ceiling `?limit=` goes to the database as is: a number past 64 bits is a 500
    # (SQLite "datatype mismatch", PostgreSQL "bigint out of range"), a merely huge one loads
    # every row. A larger limit is cut to this, as DRF does with `max_limit`.
    max_limit = 500
