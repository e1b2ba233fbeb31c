"""Pages: the gate staff's kiosk and the public yard display board. Thin: the work is in the API."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie

from vehicles.models import Gate

from . import services
from .api import board_payload

# How often the board polls its data (seconds); a setting so a busy gate can slow it down.
BOARD_REFRESH_DEFAULT = 10


@login_required
@ensure_csrf_cookie
@never_cache
def kiosk_page(request: HttpRequest, gate_code: str) -> HttpResponse:
    gate = services.kiosk_gate(code=gate_code, staff=request.user)  # NotFound 404, NotAllowed 403
    labels = {
        "ready": _("Ready"),
        "working": _("Checking…"),
        "error": _("Error"),
        "network": _("No connection to the server. Try again."),
        "done": _("Done. The booking is now: %(state)s."),
        "none": "—",
        "cash": _("Record cash payment: %(amount)s VND"),
    }
    return render(request, "kiosk/kiosk.html", {"gate": gate, "labels": labels})


def board_page(request: HttpRequest, gate_code: str) -> HttpResponse:
    """Public: plates only, no login (it hangs on a screen in the yard)."""
    gate = get_object_or_404(Gate, code=gate_code.upper(), is_active=True)
    return render(
        request,
        "kiosk/board.html",
        {
            "gate": gate,
            "board": board_payload(gate),
            "refresh": getattr(settings, "KIOSK_BOARD_REFRESH_SECONDS", BOARD_REFRESH_DEFAULT),
        },
    )


@never_cache
def board_data(request: HttpRequest, gate_code: str) -> JsonResponse:
    gate = get_object_or_404(Gate, code=gate_code.upper(), is_active=True)
    return JsonResponse(board_payload(gate))
