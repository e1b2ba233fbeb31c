"""Reactions of the queueing floor to the declaration workflow's signals (connected in ready())."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from declarations.models import Declaration, DeclarationState

from .services import bookings_close_for_declaration


def on_declaration_cancelled(
    sender: Any = None, *, declaration: Declaration, actor: Any = None, **kwargs: Any
) -> None:
    bookings_close_for_declaration(
        declaration=declaration, actor=actor, reason=_("The declaration was cancelled.")
    )


def on_declaration_closed(
    sender: Any = None, *, declaration: Declaration, actor: Any = None, **kwargs: Any
) -> None:
    state = kwargs.get("state") or declaration.state
    if state in (DeclarationState.REJECTED, DeclarationState.EXPIRED):
        bookings_close_for_declaration(
            declaration=declaration,
            actor=actor,
            reason=_("The declaration was %(state)s.") % {"state": state},
        )
