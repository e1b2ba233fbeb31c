"""Portal pages of the fees app."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from cuakhau.errors import NotFound

from .selectors import declaration_for_fee


@login_required
def fee_page(request: HttpRequest, pk: int) -> HttpResponse:
    """/portal/declarations/<id>/fee/: the fee panel, for the owner and the gate's people."""
    try:
        declaration = declaration_for_fee(user=request.user, declaration_id=pk)
    except NotFound:
        raise Http404
    return render(request, "fees/fee_page.html", {"declaration": declaration})
