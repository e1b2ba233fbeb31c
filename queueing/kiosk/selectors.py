"""Reads of the yard display board. The yard queue and its order are the queueing app's
(`queueing.selectors.yard_queue`); the board only picks what a public screen may show."""

from __future__ import annotations

from typing import Any

from queueing.models import Booking, BookingState
from queueing.selectors import yard_queue
from vehicles.models import Gate


def board_for_gate(*, gate: Gate, called_limit: int = 10, queue_limit: int = 20) -> dict[str, Any]:
    """What the public yard board shows: plates only, nothing personal.

    1. trucks called to the lane, most recent call first;
    2. the next trucks in the yard queue, in queue order, with their place.
    """
    called = (
        Booking.objects.filter(gate=gate, state=BookingState.CALLED)
        .order_by("-called_at", "-id")
        .values_list("vehicle__plate", "called_at")[:called_limit]
    )
    queue = yard_queue(gate).values_list("vehicle__plate", "state", "perishable")[:queue_limit]
    return {
        "called": [{"plate": plate, "called_at": at} for plate, at in called],
        "queue": [
            {
                "position": i,
                "plate": plate,
                "at_inspection": state == BookingState.INSPECTION,
                "perishable": perishable,
            }
            for i, (plate, state, perishable) in enumerate(queue, start=1)
        ],
    }
