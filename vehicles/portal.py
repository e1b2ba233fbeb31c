"""Sections of the portal's home page, contributed by the apps above this one.

The home page lives at the bottom floor (it shows the company), but declarations, bookings and
notifications sit higher and may not be imported from here. So the hook is declared low and
connected high: an app calls ``register_section`` in its ``AppConfig.ready()`` with a template
and a function that returns that template's context for the request (or ``None`` to hide it).

    from vehicles.portal import register_section
    register_section(template="declarations/portal_section.html", context=declarations_summary, order=20)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

SectionContext = Callable[[HttpRequest], "dict[str, Any] | None"]


@dataclass(frozen=True)
class Section:
    template: str
    context: SectionContext
    order: int


_sections: dict[str, Section] = {}


def register_section(*, template: str, context: SectionContext, order: int = 100) -> None:
    """Add (or replace, keyed by template) a section of the portal home page."""
    _sections[template] = Section(template=template, context=context, order=order)


def sections_for(request: HttpRequest) -> list[dict[str, Any]]:
    """The sections to show this request, in order, each as ``{"template", "context"}``."""
    shown = []
    for section in sorted(_sections.values(), key=lambda s: (s.order, s.template)):
        context = section.context(request)
        if context is not None:
            shown.append({"template": section.template, "context": context})
    return shown
