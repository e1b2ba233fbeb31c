"""Panels of the portal's declaration page, contributed by the apps above this one.

The page belongs to declarations, but the fee (declarations.fees) and the booking (queueing)
are shown on it too. The hook is declared here and connected from above: an app calls
``register_panel`` in its ``AppConfig.ready()`` with a template and a function that returns the
template's context for (request, declaration), or ``None`` to hide the panel.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

from cuakhau.hooks import TemplateHooks

PanelContext = Callable[[HttpRequest, Any], "dict[str, Any] | None"]


_panels = TemplateHooks()


def register_panel(*, template: str, context: PanelContext, order: int = 100) -> None:
    """Add (or replace, keyed by template) a panel of the declaration page."""
    _panels.register(template=template, context=context, order=order)


def panels_for(request: HttpRequest, declaration: Any) -> list[dict[str, Any]]:
    return _panels.shown(request, declaration)


# The declaration's live booking, for the page's "what next" (queueing registers the lookup:
# this floor cannot read bookings itself). Without one registered, there is never a booking.
_live_booking: Callable[[Any], Any] | None = None


def register_live_booking(lookup: Callable[[Any], Any]) -> None:
    global _live_booking
    _live_booking = lookup


def live_booking(declaration: Any) -> Any:
    return _live_booking(declaration) if _live_booking is not None else None
