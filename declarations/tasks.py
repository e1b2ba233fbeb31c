"""Beat sweeps of the workflow: thin wrappers around one service each; idempotent."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task
def flag_overdue_reviews() -> int:
    return services.reviews_flag_overdue()


@shared_task
def expire_unused_declarations() -> int:
    return services.declarations_expire_unused()
