"""Logging filters (imported by the logging configuration, before the apps load: no app imports)."""

from __future__ import annotations

import logging


def not_a_conflict(record: logging.LogRecord) -> bool:
    """A 409 is an answer (a full slot, an illegal move), not a warning worth a log line: in a
    booking rush thousands of them would drown the log. Other 4xx and every 5xx still log."""
    return getattr(record, "status_code", None) != 409
