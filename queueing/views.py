"""Portal pages of bookings: the slot picker (live remaining places), book, cancel, rebook, the
waitlist, and the printable ticket with its QR code. Thin: selectors read, services write."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from cuakhau.errors import DomainError, page_errors
from cuakhau.qr import qr_svg
from cuakhau.redirects import safe_next
from declarations.models import LIVE_FOR_BOOKING, Declaration
from vehicles.models import Company, Direction, Gate
from vehicles.portal import company_required

from . import rules, selectors, services
from .models import Booking, BookingState, Slot, WaitlistEntry, WaitlistState
from .ticket_image import ticket_response

operator_required = company_required(gettext_lazy("Register your company first to book slots."))


def _bookable_declarations(company: Company) -> QuerySet[Declaration]:
    return (
        Declaration.objects.filter(company=company, state__in=LIVE_FOR_BOOKING)
        .select_related("vehicle", "gate")
        .order_by("-created")
    )


def _picker_params(request: HttpRequest, company: Company) -> dict[str, Any]:
    """gate, direction and day from the query, defaulting from the chosen declaration."""
    declaration = None
    if request.GET.get("declaration", "").isdigit():
        declaration = _bookable_declarations(company).filter(pk=request.GET["declaration"]).first()
    gates = list(Gate.objects.filter(is_active=True))
    code = request.GET.get("gate") or (
        declaration.gate.code if declaration else gates[0].code if gates else ""
    )
    gate = next((g for g in gates if g.code == code), None)
    direction = request.GET.get("direction") or (declaration.direction if declaration else Direction.EXPORT)
    if direction not in Direction.values:
        direction = Direction.EXPORT
    try:
        day = rules.parse_day(request.GET.get("date", ""))
    except ValueError:
        day = declaration.planned_date if declaration else timezone.localdate()
    return {"gates": gates, "gate": gate, "direction": direction, "day": day, "declaration": declaration}


def _slot_rows(gate: Gate | None, day: dt.date, direction: str) -> list[dict[str, Any]]:
    if gate is None:
        return []
    now = timezone.now()
    zone = rules.gate_zone(gate)  # the times as written at the gate
    return [
        {
            "id": s.pk,
            "start": timezone.localtime(s.start, zone).strftime("%H:%M"),
            "end": timezone.localtime(s.end, zone).strftime("%H:%M"),
            "capacity": s.capacity,
            "booked": s.booked,
            "available": s.available,
            "is_closed": s.is_closed,
            "past": s.start <= now,
        }
        for s in selectors.slots_for_day(gate, day, direction)
    ]


def _slots_context(request: HttpRequest, company: Company) -> dict[str, Any]:
    """What the picker's table of places left shows, for the page and for its live partial."""
    params = _picker_params(request, company)
    rebook = None
    if request.GET.get("rebook", "").isdigit():
        rebook = (
            selectors.bookings_for_user(request.user)
            .filter(pk=request.GET["rebook"], state=BookingState.CONFIRMED)
            .first()
        )
    query = request.GET.urlencode()
    return {
        **params,
        "slots": _slot_rows(params["gate"], params["day"], params["direction"]),
        "rebook": rebook,
        # Where the table's forms come back to: the page, also when the table came alone.
        "page_url": reverse("queueing-slots") + (f"?{query}" if query else ""),
    }


@operator_required
def slot_picker(request: HttpRequest, company: Company) -> HttpResponse:
    context = _slots_context(request, company)
    return render(
        request,
        "queueing/slots.html",
        {
            **context,
            "directions": Direction.choices,
            "declarations": _bookable_declarations(company),
            **_estimate_context(context["gate"], context["day"]),
        },
    )


def _estimate_context(gate: Gate | None, day: dt.date) -> dict[str, Any]:
    if gate is None:
        return {"estimate_kind": "", "estimate": None}
    kind, estimate = selectors.slots_page_estimate(gate, day)
    return {"estimate_kind": kind, "estimate": estimate}


@require_GET
@never_cache
@operator_required
def slots_part(request: HttpRequest, company: Company) -> HttpResponse:
    """The picker's table of places left alone: htmx swaps it into the page every 5 s."""
    return render(request, "queueing/_slots.html", _slots_context(request, company))


@operator_required
def booking_list(request: HttpRequest, company: Company) -> HttpResponse:
    bookings = selectors.bookings_for_user(request.user).order_by("-slot_start")[:200]
    waiting = WaitlistEntry.objects.filter(company=company, state=WaitlistState.WAITING).select_related(
        "slot", "slot__gate", "declaration"
    )
    return render(request, "queueing/booking_list.html", {"bookings": bookings, "waiting": waiting})


def _own_booking(request: HttpRequest, pk: int) -> Booking:
    return get_object_or_404(selectors.bookings_for_user(request.user), pk=pk)


@operator_required
def booking_detail(request: HttpRequest, company: Company, pk: int) -> HttpResponse:
    booking = _own_booking(request, pk)
    return render(
        request,
        "queueing/ticket.html",
        {
            "booking": booking,
            "facts": selectors.ticket_facts(booking),
            "qr": qr_svg(booking.ticket),
            "estimate": selectors.wait_estimate(booking.gate, booking),
        },
    )


@operator_required
def ticket_png(request: HttpRequest, company: Company, pk: int) -> HttpResponse:
    return ticket_response(_own_booking(request, pk), "png")


@operator_required
def ticket_pdf(request: HttpRequest, company: Company, pk: int) -> HttpResponse:
    return ticket_response(_own_booking(request, pk), "pdf")


def _declaration_from_post(request: HttpRequest, company: Company) -> Declaration:
    declaration = (
        _bookable_declarations(company).filter(pk=request.POST.get("declaration") or 0).first()
        if (request.POST.get("declaration") or "").isdigit()
        else None
    )
    if declaration is None:
        raise DomainError(
            _("Pick one of your submitted, under-review or cleared declarations."), code="invalid"
        )
    return declaration


def _slot_from_post(request: HttpRequest) -> Slot:
    slot = (
        Slot.objects.filter(pk=request.POST.get("slot") or 0).first()
        if (request.POST.get("slot") or "").isdigit()
        else None
    )
    if slot is None:
        raise DomainError(_("Pick a slot."), code="invalid")
    return slot


@require_POST
@operator_required
def booking_book(request: HttpRequest, company: Company) -> HttpResponse:
    with page_errors(request):
        booking = services.booking_create(
            declaration=_declaration_from_post(request, company),
            slot=_slot_from_post(request),
            actor=request.user,
        )
        messages.success(request, _("Booked. Your ticket is below."))
        return redirect("queueing-booking", pk=booking.pk)
    return redirect(safe_next(request, reverse("queueing-slots")))


@require_POST
@operator_required
def booking_cancel(request: HttpRequest, company: Company, pk: int) -> HttpResponse:
    booking = _own_booking(request, pk)
    with page_errors(request):
        services.booking_cancel(
            booking=booking, actor=request.user, reason=request.POST.get("reason", "")[:200]
        )
        messages.success(request, _("The booking is cancelled and its place freed."))
    return redirect("queueing-booking", pk=booking.pk)


@require_POST
@operator_required
def booking_rebook(request: HttpRequest, company: Company, pk: int) -> HttpResponse:
    booking = _own_booking(request, pk)
    with page_errors(request):
        services.booking_rebook(booking=booking, slot=_slot_from_post(request), actor=request.user)
        messages.success(request, _("Rebooked. The ticket stays the same."))
        return redirect("queueing-booking", pk=booking.pk)
    return redirect(safe_next(request, reverse("queueing-booking", args=[booking.pk])))


@require_POST
@operator_required
def waitlist_join(request: HttpRequest, company: Company) -> HttpResponse:
    with page_errors(request):
        services.waitlist_join(
            declaration=_declaration_from_post(request, company),
            slot=_slot_from_post(request),
            actor=request.user,
            auto_book=bool(request.POST.get("auto_book")),
        )
        messages.success(request, _("You are on the waitlist of this slot."))
    return redirect(safe_next(request, reverse("queueing-slots")))


@require_POST
@operator_required
def waitlist_leave(request: HttpRequest, company: Company, pk: int) -> HttpResponse:
    entry = WaitlistEntry.objects.filter(company=company, pk=pk).first()
    if entry is None:
        raise Http404
    services.waitlist_leave(entry=entry, actor=request.user)
    messages.success(request, _("You left the waitlist."))
    return redirect("queueing-bookings")
