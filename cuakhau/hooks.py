"""Templates a higher floor adds to a page of a lower one: the one registry for such hooks.

The page's floor declares a registry and may not import the floors above; those register a
template and a function returning its context (or ``None`` to hide it) in their
``AppConfig.ready()``. Used by the portal home (``vehicles.portal``), the declaration page
(``declarations.panels``) and the dashboard's gate cards (``queueing.dashboard``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Context = Callable[..., "dict[str, Any] | None"]


@dataclass(frozen=True)
class TemplateHook:
    template: str
    context: Context
    order: int


class TemplateHooks:
    """Hooks keyed by template (registering a template again replaces it), shown by order."""

    def __init__(self) -> None:
        self._hooks: dict[str, TemplateHook] = {}

    def register(self, *, template: str, context: Context, order: int = 100) -> None:
        self._hooks[template] = TemplateHook(template=template, context=context, order=order)

    def unregister(self, template: str) -> None:
        self._hooks.pop(template, None)

    def shown(self, *args: Any) -> list[dict[str, Any]]:
        """The hooks to show for these arguments, in order, each as ``{"template", "context"}``."""
        shown = []
        for hook in sorted(self._hooks.values(), key=lambda h: (h.order, h.template)):
            context = hook.context(*args)
            if context is not None:
                shown.append({"template": hook.template, "context": context})
        return shown
