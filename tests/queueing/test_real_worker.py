"""Call-forward through a real Celery worker on the local Redis (not eager)."""

from __future__ import annotations

import pytest

from cuakhau.notifications.models import Notification
from queueing import services, tasks
from queueing.models import BookingState
from tests.support.worker import broker_mode, celery_worker, wait_until

from .conftest import make_declaration, make_slot

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.slow]


@pytest.mark.django_db(transaction=True)
def test_a_booked_checked_in_truck_is_called_by_the_worker_and_told(company, owner, gate):
    slot = make_slot(gate, hours_ahead=0.5, capacity=5)
    booking = services.booking_create(
        declaration=make_declaration(company, state="cleared"), slot=slot, actor=owner
    )
    services.booking_check_in(booking=booking, actor_label="yard gate")
    with broker_mode(), celery_worker(queues="dispatch,notifications,default"):
        tasks.call_forward_tick.delay()  # fans out call_forward(gate_id) on the dispatch queue
        wait_until(
            lambda: booking.__class__.objects.get(pk=booking.pk).state == BookingState.CALLED, timeout=30
        )
        wait_until(
            lambda: Notification.objects.filter(
                event="booking.called", subject_id=booking.pk, recipient=owner, status="sent"
            ).exists(),
            timeout=30,
        )
    booking.refresh_from_db()
    assert booking.called_at is not None
