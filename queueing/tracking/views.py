"""Portal pages of trucks en route: "I am driving" (consent, then the phone's position every
30 s while the page is open), the trip's estimate and the one-tap rebook of a late truck.
Thin: selectors read, services write. The page's script is static/js/driving.js."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cuakhau.errors import page_errors, refusals_as_json
from queueing.models import Booking, Slot
from queueing.selectors import wait_estimate

from . import selectors, services
from .api import FixSerializer

# How often the page sends the phone's position (the issue asks for every 30 to 60 s).
SEND_EVERY_SECONDS = 30


def _trip(request: HttpRequest, pk: int) -> Booking:
    booking = selectors.drivable_trips(request.user).filter(pk=pk).first()
    if booking is None:
        raise Http404
    return booking


@login_required
def driving_list(request: HttpRequest) -> HttpResponse:
    trips = list(selectors.drivable_trips(request.user).select_related("trip_estimate")[:50])
    return render(request, "tracking/driving_list.html", {"trips": trips})


def _trip_context(request: HttpRequest, booking: Booking) -> dict:
    estimate = selectors.estimate_for(booking)
    offer = (
        selectors.first_reachable_slot(booking, estimate.eta)
        if estimate is not None and estimate.late
        else None
    )
    return {
        "booking": booking,
        "estimate": estimate,
        "offer": offer,
        "wait": wait_estimate(booking.gate, booking),
    }


@login_required
def driving(request: HttpRequest, pk: int) -> HttpResponse:
    booking = _trip(request, pk)
    return render(
        request,
        "tracking/driving.html",
        {
            **_trip_context(request, booking),
            "consent": selectors.has_consent(user=request.user, booking=booking),
            "interval": SEND_EVERY_SECONDS,
        },
    )


@require_POST
@login_required
def consent(request: HttpRequest, pk: int) -> HttpResponse:
    booking = _trip(request, pk)
    if request.POST.get("agree") == "yes":
        services.consent_give(actor=request.user, booking=booking)
    else:
        services.consent_withdraw(actor=request.user, booking=booking)
        messages.info(request, _("Your position is no longer shared for this trip."))
    return redirect("tracking-driving", pk=booking.pk)


@require_POST
@login_required
@refusals_as_json
def position(request: HttpRequest, pk: int) -> HttpResponse:
    """One fix from the page; answers the trip's estimate as an HTML fragment to show as is."""
    booking = _trip(request, pk)
    serializer = FixSerializer(
        data={
            "plate": booking.vehicle.plate,
            "time": request.POST.get("time") or timezone.now().isoformat(),
            "lat": request.POST.get("lat"),
            "lon": request.POST.get("lon"),
            "speed": request.POST.get("speed") or None,
            "accuracy": request.POST.get("accuracy") or None,
        }
    )
    if not serializer.is_valid():
        return JsonResponse({"code": "invalid", "detail": serializer.errors}, status=400)
    # A refusal (no consent: 403) is answered like the API: `{"code", "detail"}`, its status.
    services.position_record(
        actor=request.user, booking=booking, fix=FixSerializer.to_fix(serializer.validated_data)
    )
    return render(request, "tracking/_trip.html", _trip_context(request, booking))


@require_POST
@login_required
def rebook(request: HttpRequest, pk: int) -> HttpResponse:
    """The late warning's one tap: rebook to the first slot the truck can reach."""
    booking = _trip(request, pk)
    slot = (
        Slot.objects.filter(pk=request.POST.get("slot") or 0).first()
        if (request.POST.get("slot") or "").isdigit()
        else None
    )
    if slot is None:
        messages.error(request, _("Pick a slot."))
        return redirect("tracking-driving", pk=booking.pk)
    with page_errors(request):
        services.trip_rebook_reachable(booking=booking, slot=slot, actor=request.user)
        messages.success(request, _("Rebooked. Your new slot is below."))
    return redirect("tracking-driving", pk=booking.pk)
