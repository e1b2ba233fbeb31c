"""Portal pages of the fees app."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from declarations.models import Declaration, DeclarationState

from .selectors import declaration_for_fee, fee_for_declaration


@login_required
def fee_page(request: HttpRequest, pk: int) -> HttpResponse:
    """/portal/declarations/<id>/fee/: the fee panel, for the owner and the gate's people."""
    declaration = declaration_for_fee(user=request.user, declaration_id=pk)  # NotFound: 404 page
    return render(request, "fees/fee_page.html", {"declaration": declaration})


def declaration_fee_panel(request: HttpRequest, declaration: Declaration) -> dict[str, Any] | None:
    """The fee panel of the declaration page; hidden when there is no fee and none will come
    (a draft cancelled before its submission)."""
    if fee_for_declaration(declaration) is None and declaration.state != DeclarationState.DRAFT:
        return None
    return {"declaration": declaration}
