"""The booking panel of the portal's declaration page (registered in QueueingConfig.ready)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from cuakhau.accounts.roles import Role, user_has_role
from declarations.models import LIVE_FOR_BOOKING
from vehicles.selectors import gates_for_user

from . import selectors
from .models import LIVE_BOOKING_STATES, Booking


def live_booking(declaration: Any) -> Booking | None:
    """The declaration's live booking, if any (registered for the declaration page's next step)."""
    return (
        Booking.objects.filter(declaration=declaration, state__in=LIVE_BOOKING_STATES)
        .select_related("slot", "gate", "declaration")
        .first()
    )


def declaration_booking_panel(request: HttpRequest, declaration: Any) -> dict[str, Any] | None:
    """The live booking of a declaration with its queue and wait, or a way to book one.

    Hidden for a draft (nothing can be booked yet: the next step says so) and for an ended
    declaration that never booked; an ended one that did shows how its last booking closed.
    """
    booking = live_booking(declaration)
    if booking is None:
        last = (
            Booking.objects.filter(declaration=declaration)
            .select_related("slot", "gate")
            .order_by("-id")
            .first()
        )
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
        "notice": selectors.ticket_notice(booking),
        "estimate": selectors.wait_estimate(booking.gate, booking),
        "can_book": False,
    }


def staff_links_section(request: HttpRequest) -> dict[str, Any] | None:
    """Portal home for gate staff and managers: their kiosks, boards and dashboard."""
    user = request.user
    is_manager = user.is_superuser or user_has_role(user, Role.GATE_MANAGER)
    is_staff = user_has_role(user, Role.GATE_STAFF)
    if not (is_manager or is_staff):
        return None
    return {
        "gates": list(gates_for_user(user).filter(is_active=True).order_by("code")),
        "kiosk": is_staff or user.is_superuser,
        "dashboard": is_manager,
    }
