"""Reactions of the fees app to the declaration workflow (connected in FeesConfig.ready)."""

from __future__ import annotations

from typing import Any

from declarations.models import Declaration

from .services import fee_close_for_declaration


def close_fee_on_end(
    sender: Any, *, declaration: Declaration, actor: Any = None, **kwargs: Any
) -> list[dict[str, Any]]:
    """Sent inside the end's transaction (services.ends); returns what it did, as fragments."""
    return fee_close_for_declaration(
        declaration=declaration,
        state=kwargs.get("state") or declaration.state,
        reason=kwargs.get("reason", ""),
    )
