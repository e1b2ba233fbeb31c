"""Celery tasks of the queueing app: thin, take ids, call one service, idempotent."""

from __future__ import annotations

from celery import shared_task

from vehicles.models import Gate

from . import services


@shared_task(acks_late=True)
def generate_slots(days: int = 14) -> int:
    return services.slots_generate(days=days)


@shared_task(acks_late=True)
def no_show_sweep() -> int:
    return len(services.bookings_mark_no_shows())


@shared_task(acks_late=True)
def send_slot_reminders() -> int:
    return len(services.bookings_send_reminders())


@shared_task(acks_late=True)
def call_forward(gate_id: int) -> list[int]:
    gate = Gate.objects.filter(pk=gate_id, is_active=True).first()
    if gate is None:
        return []
    return services.call_forward_run(gate=gate)


@shared_task(acks_late=True)
def call_forward_tick() -> int:
    """Fan out one call-forward per active gate (queue `dispatch`); each serialises on its gate."""
    ids = list(Gate.objects.filter(is_active=True).values_list("pk", flat=True))
    for gate_id in ids:
        call_forward.delay(gate_id)
    return len(ids)
