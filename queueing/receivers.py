"""Reactions of the queueing floor to the declaration workflow's signals (connected in ready())."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from declarations.models import Declaration

from .models import Booking, BookingState
from .services import bookings_close_for_declaration


def on_declaration_closed(
    sender: Any = None, *, declaration: Declaration, actor: Any = None, **kwargs: Any
) -> list[dict[str, Any]]:
    """Any end: the live booking and the waitlist entries close; returns what closed."""
    return bookings_close_for_declaration(
        declaration=declaration,
        actor=actor,
        state=kwargs.get("state") or declaration.state,
        reason=kwargs.get("reason") or "",
        departed=bool(kwargs.get("departed")),
    )


def declaration_in_use(sender: Any = None, *, declaration: Declaration, **kwargs: Any) -> str:
    """A declaration whose truck is in the yard (or called to the lane) is in use: no expiry."""
    in_yard = Booking.objects.filter(
        declaration=declaration,
        state__in=[BookingState.IN_YARD, BookingState.INSPECTION, BookingState.CALLED],
    ).exists()
    return _("Its truck is in the yard.") if in_yard else ""
