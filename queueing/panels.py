"""The booking panel of the portal's declaration page (registered in QueueingConfig.ready)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from declarations.models import LIVE_FOR_BOOKING

from . import selectors
from .models import LIVE_BOOKING_STATES, Booking


def declaration_booking_panel(request: HttpRequest, declaration: Any) -> dict[str, Any] | None:
    """The live booking of a declaration with its queue and wait, or a way to book one."""
    booking = (
        Booking.objects.filter(declaration=declaration, state__in=LIVE_BOOKING_STATES)
        .select_related("slot", "gate")
        .first()
    )
    if booking is None:
        last = Booking.objects.filter(declaration=declaration).select_related("slot").order_by("-id").first()
        if declaration.state not in LIVE_FOR_BOOKING and last is None:
            return None
        return {
            "declaration": declaration,
            "booking": None,
            "last": last,
            "can_book": declaration.state in LIVE_FOR_BOOKING,
        }
    return {
        "declaration": declaration,
        "booking": booking,
        "estimate": selectors.wait_estimate(booking.gate, booking),
        "can_book": False,
    }
