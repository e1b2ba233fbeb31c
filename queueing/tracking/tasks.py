"""Celery tasks of trucks en route: thin, idempotent."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(acks_late=True)
def positions_sweep() -> int:
    """Beat, hourly: forget positions past TRACKING_RETENTION_DAYS, make tomorrow's partitions."""
    return services.positions_sweep().positions_deleted
