"""Panels of the portal's declaration page, contributed by the apps above this one.

The page belongs to declarations, but the fee (declarations.fees) and the booking (queueing)
are shown on it too. The hook is declared here and connected from above: an app calls
``register_panel`` in its ``AppConfig.ready()`` with a template and a function that returns the
template's context for (request, declaration), or ``None`` to hide the panel.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

PanelContext = Callable[[HttpRequest, Any], "dict[str, Any] | None"]


@dataclass(frozen=True)
class Panel:
    template: str
    context: PanelContext
    order: int


_panels: dict[str, Panel] = {}


def register_panel(*, template: str, context: PanelContext, order: int = 100) -> None:
    """Add (or replace, keyed by template) a panel of the declaration page."""
    _panels[template] = Panel(template=template, context=context, order=order)


def panels_for(request: HttpRequest, declaration: Any) -> list[dict[str, Any]]:
    shown = []
    for panel in sorted(_panels.values(), key=lambda p: (p.order, p.template)):
        context = panel.context(request, declaration)
        if context is not None:
            shown.append({"template": panel.template, "context": context})
    return shown


# The declaration's live booking, for the page's "what next" (queueing registers the lookup:
# this floor cannot read bookings itself). Without one registered, there is never a booking.
_live_booking: Callable[[Any], Any] | None = None


def register_live_booking(lookup: Callable[[Any], Any]) -> None:
    global _live_booking
    _live_booking = lookup


def live_booking(declaration: Any) -> Any:
    return _live_booking(declaration) if _live_booking is not None else None
