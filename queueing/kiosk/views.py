"""Pages: the gate staff's kiosk and the public yard display board. Thin: the kiosk page's scan,
action and cash forms call the same services as the API and answer with the verdict panel
(kiosk/_verdict.html), which htmx swaps into the page; the JSON API stays for devices."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_POST

from cuakhau.errors import DomainError, NotFound, error_status, error_text
from declarations.fees import selectors as fee_selectors
from declarations.fees import services as fee_services
from queueing.models import Booking
from vehicles.models import Gate

from . import services
from .api import board_payload
from .models import Actions, Verdicts

# How often the board polls its data (seconds); a setting so a busy gate can slow it down.
BOARD_REFRESH_DEFAULT = 10


def _gate(request: HttpRequest, gate_code: str) -> Gate:
    """The gate of the kiosk, if the signed-in person works there (NotFound/NotAllowed become the
    404/403 pages through cuakhau.errors.DomainErrorMiddleware)."""
    return services.kiosk_gate(code=gate_code, staff=request.user)


@login_required
@ensure_csrf_cookie
@never_cache
def kiosk_page(request: HttpRequest, gate_code: str) -> HttpResponse:
    gate = _gate(request, gate_code)
    return render(
        request,
        "kiosk/kiosk.html",
        {"gate": gate, "panel": {"kind": "idle", "word": _("Ready"), "reason": _("Waiting for a scan.")}},
    )


def _panel(request: HttpRequest, gate: Gate, panel: dict[str, Any], *, status: int = 200) -> HttpResponse:
    return render(request, "kiosk/_verdict.html", {"gate": gate, "panel": panel}, status=status)


def _error(request: HttpRequest, gate: Gate, exc: DomainError) -> HttpResponse:
    """A refusal shown in the verdict panel, in the words and status of the one mapping."""
    panel = {"kind": "error", "word": _("Error"), "reason": error_text(exc)}
    return _panel(request, gate, panel, status=error_status(exc))


def _scan_panel(request: HttpRequest, gate: Gate, raw: str) -> HttpResponse:
    result = services.kiosk_scan(gate=gate, raw=raw, staff=request.user)
    v = result.verdict
    return _panel(
        request,
        gate,
        {
            "kind": v.verdict,
            "word": Verdicts(v.verdict).label,
            "reason": v.reason,
            "action": v.action,
            "action_label": Actions(v.action).label if v.action else "",
            "event": result.event.pk,
            "candidates": result.candidates,
            "fee_unpaid": v.params.get("amount_vnd"),
            "booking": result.booking,
            "queue_position": result.queue_position,
        },
    )


def _form(view: Callable[[HttpRequest, Gate], HttpResponse]) -> Callable[..., HttpResponse]:
    """A kiosk form (signed in, POST, never cached) at the staff member's gate; a refusal of its
    service answers the verdict panel with the reason, in the one mapping's words and status."""

    @login_required
    @require_POST
    @never_cache
    @functools.wraps(view)
    def wrapped(request: HttpRequest, gate_code: str) -> HttpResponse:
        gate = _gate(request, gate_code)
        try:
            return view(request, gate)
        except DomainError as exc:
            return _error(request, gate, exc)

    return wrapped


def _number(request: HttpRequest, name: str) -> int:
    try:
        return int(request.POST.get(name, ""))
    except ValueError:
        raise DomainError(_("Scan the truck again.")) from None


@_form
def kiosk_scan(request: HttpRequest, gate: Gate) -> HttpResponse:
    """The scan form (a read, or a candidate plate tapped): the verdict panel."""
    return _scan_panel(request, gate, request.POST.get("plate") or request.POST.get("read", ""))


@_form
def kiosk_action(request: HttpRequest, gate: Gate) -> HttpResponse:
    """The action button of the last verdict: the panel says what the booking is now."""
    result = services.kiosk_action(
        event_id=_number(request, "event"), action=request.POST.get("action", ""), staff=request.user
    )
    booking: Booking = result.booking
    return _panel(
        request,
        gate,
        {
            "kind": "done",
            "word": Actions(result.event.action).label,
            "reason": _("Done. The booking is now: %(state)s.") % {"state": booking.get_state_display()},
            "booking": booking,
            "queue_position": result.queue_position,
        },
    )


@_form
def kiosk_cash(request: HttpRequest, gate: Gate) -> HttpResponse:
    """The fee taken in cash at release (its receipt number), then the truck scanned again."""
    declaration_id, amount = _number(request, "declaration"), _number(request, "amount")
    receipt = request.POST.get("receipt_number", "").strip()[:80]
    if not receipt:
        raise DomainError(_("Enter the receipt number."))
    declaration = fee_selectors.declaration_for_fee(user=request.user, declaration_id=declaration_id)
    fee = fee_selectors.fee_for_declaration(declaration)
    if fee is None:
        raise NotFound(_("Declaration not found."))
    fee_services.payment_record_cash(fee=fee, amount=amount, receipt_number=receipt, staff=request.user)
    return _scan_panel(request, gate, declaration.vehicle.plate)


def _board_context(gate_code: str) -> dict[str, Any]:
    gate = get_object_or_404(Gate, code=gate_code.upper(), is_active=True)
    return {
        "gate": gate,
        "board": board_payload(gate),
        "refresh": getattr(settings, "KIOSK_BOARD_REFRESH_SECONDS", BOARD_REFRESH_DEFAULT),
    }


def board_page(request: HttpRequest, gate_code: str) -> HttpResponse:
    """Public: plates only, no login (it hangs on a screen in the yard)."""
    return render(request, "kiosk/board.html", _board_context(gate_code))


@never_cache
def board_part(request: HttpRequest, gate_code: str) -> HttpResponse:
    """The board's lists and clock alone, for htmx every few seconds (public, like the page)."""
    return render(request, "kiosk/_board_part.html", _board_context(gate_code))


@never_cache
def board_data(request: HttpRequest, gate_code: str) -> JsonResponse:
    gate = get_object_or_404(Gate, code=gate_code.upper(), is_active=True)
    return JsonResponse(board_payload(gate))
