"""API of the queueing app: gates, slots, bookings and their actions, the waitlist.

Thin: serializers shape, services decide. An operator sees its own company's bookings only;
another company's booking is a 404.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cuakhau.negotiation import IgnoreAccept
from cuakhau.security.serializers import RefuseReadOnlyFields
from declarations.models import Declaration
from vehicles.models import Direction, Gate
from vehicles.selectors import company_for_user, company_known, remember_company

from . import booking_sql, rules, selectors, services
from .models import Booking, Slot, WaitlistEntry
from .ticket_image import ticket_response


class GateSerializer(serializers.ModelSerializer):
    class Meta:
        model = Gate
        fields = [
            "id",
            "code",
            "name",
            "kind",
            "directions",
            "slot_minutes",
            "early_margin_minutes",
            "grace_minutes",
        ]


class SlotSerializer(serializers.ModelSerializer):
    gate: serializers.SlugRelatedField[Gate] = serializers.SlugRelatedField(slug_field="code", read_only=True)
    available = serializers.IntegerField(read_only=True)

    class Meta:
        model = Slot
        fields = ["id", "gate", "direction", "start", "end", "capacity", "booked", "available", "is_closed"]


class BookingSerializer(RefuseReadOnlyFields, serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    state = serializers.CharField(read_only=True)
    declaration = serializers.PrimaryKeyRelatedField(queryset=Declaration.objects.none())
    # With its gate: booking_create uses this read, it does not read the slot again.
    slot = serializers.PrimaryKeyRelatedField(queryset=Slot.objects.select_related("gate"))
    ticket = serializers.CharField(read_only=True)
    queue_position = serializers.SerializerMethodField()
    gate = serializers.CharField(source="gate.code", read_only=True)
    plate = serializers.CharField(source="vehicle.plate", read_only=True)
    slot_start = serializers.DateTimeField(source="slot.start", read_only=True)
    slot_end = serializers.DateTimeField(source="slot.end", read_only=True)
    checked_in_at = serializers.DateTimeField(read_only=True)
    called_at = serializers.DateTimeField(read_only=True)
    created = serializers.DateTimeField(read_only=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only the caller's own declarations can be named; any other id is "does not exist".
        cast(serializers.RelatedField, self.fields["declaration"]).queryset = _caller_declarations(
            self.context.get("request")
        )

    def get_queue_position(self, booking: Booking) -> int | None:
        positions = self.context.get("queue_positions")  # a list computes them in one query
        if positions is not None:
            return positions.get(booking.pk)
        return selectors.queue_position(booking)


_BOOKING_IN = frozenset({"declaration", "slot"})
_ID_MAX = 2**63 - 1  # a primary key (BigAutoField); a larger number goes through the serializer


def _caller_declarations(request: Request | None) -> QuerySet[Declaration]:
    """The declarations a caller may name: its own company's (any other id "does not exist")."""
    company = company_for_user(request.user) if request else None
    return Declaration.objects.filter(company=company)


def _callers_declaration_and_slot(
    request: Request, declaration_id: int, slot_id: int
) -> tuple[Declaration, Slot] | None:
    """The caller's declaration `declaration_id`, as `_caller_declarations` gives it, and the slot
    `slot_id` with its gate: one statement (queueing/booking_sql.py). A user whose company is not
    known yet is found through its membership, whose company is then the caller's
    (company_for_user's answer, remembered for the ownership check that follows). None when
    either is not there: the serializer then answers."""
    user = request.user
    if not (isinstance(user, get_user_model()) and user.is_authenticated):
        return None
    if company_known(user):
        company = company_for_user(user)
        if company is None:
            return None
        found = booking_sql.declaration_and_slot(
            declaration_id=declaration_id, slot_id=slot_id, company=company
        )
    else:
        found = booking_sql.declaration_and_slot(
            declaration_id=declaration_id, slot_id=slot_id, user_id=user.pk
        )
        if found is not None:
            remember_company(user, found[2])
    return None if found is None else (found[0], found[1])


def booking_params(request: Request) -> tuple[Declaration, Slot]:
    """BookingSerializer's validated declaration and slot. The usual body, `{"declaration": id,
    "slot": id}` with two plain integers naming the caller's declaration and a slot, is read
    directly: the same two lookups the serializer's fields make (the slot with its gate), in one
    statement and without building a serializer per request (the hot path of a booking rush, docs/performance.md). Any
    other body, or an id that names nothing, goes through the serializer, which gives the 400 and
    its messages."""
    data = request.data
    if type(data) is dict and data.keys() == _BOOKING_IN:
        declaration_id, slot_id = data["declaration"], data["slot"]
        if (
            type(declaration_id) is int
            and type(slot_id) is int
            and 0 < declaration_id <= _ID_MAX
            and 0 < slot_id <= _ID_MAX
        ):
            read = _callers_declaration_and_slot(request, declaration_id, slot_id)
            if read is not None:
                return read
    serializer = BookingSerializer(data=data, context={"request": request})
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data["declaration"], serializer.validated_data["slot"]


_DATETIME = serializers.DateTimeField()


def _moment(value: Any) -> Any:
    return None if value is None else _DATETIME.to_representation(value)


def booking_reply(booking: Booking, queue_position: int | None) -> dict[str, Any]:
    """BookingSerializer's output for `booking`, built directly: the same dict, key for key and
    in order (tests/queueing/test_api.py compares the two); the serializer stays the declared
    shape. `queue_position` is the caller's (None for a booking not in the yard, as a new one)."""
    slot = booking.slot
    return {
        "id": booking.pk,
        "state": str(booking.state),
        "declaration": booking.declaration_id,
        "slot": booking.slot_id,
        "ticket": str(booking.ticket),
        "queue_position": queue_position,
        "gate": str(booking.gate.code),
        "plate": str(booking.vehicle.plate),
        "slot_start": _moment(slot.start),
        "slot_end": _moment(slot.end),
        "checked_in_at": _moment(booking.checked_in_at),
        "called_at": _moment(booking.called_at),
        "created": _moment(booking.created),
    }


class RebookSerializer(serializers.Serializer):
    slot = serializers.PrimaryKeyRelatedField(queryset=Slot.objects.all())


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")


class WaitlistSerializer(RefuseReadOnlyFields, serializers.ModelSerializer):
    declaration = serializers.PrimaryKeyRelatedField(queryset=Declaration.objects.none())
    slot = serializers.PrimaryKeyRelatedField(queryset=Slot.objects.all())

    class Meta:
        model = WaitlistEntry
        fields = ["id", "declaration", "slot", "auto_book", "state", "created", "served_at", "note"]
        read_only_fields = ["state", "created", "served_at", "note"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        company = company_for_user(request.user) if request else None
        cast(serializers.RelatedField, self.fields["declaration"]).queryset = Declaration.objects.filter(
            company=company
        )


class GateViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = GateSerializer
    queryset = Gate.objects.filter(is_active=True)
    lookup_field = "code"
    pagination_class = None

    @extend_schema(
        parameters=[
            OpenApiParameter("date", OpenApiTypes.DATE, description="YYYY-MM-DD, default today"),
            OpenApiParameter("direction", str, enum=["export", "import", "empty"]),
        ],
        responses=SlotSerializer(many=True),
    )
    @action(detail=True, methods=["get"])
    def slots(self, request: Request, code: str | None = None) -> Response:
        """Slots of a gate on a day (`?date=YYYY-MM-DD`, default today) and direction."""
        gate = self.get_object()
        raw = request.query_params.get("date") or timezone.localdate().isoformat()
        try:
            day = rules.parse_day(raw)
        except ValueError:
            raise serializers.ValidationError({"date": [_("Use the format YYYY-MM-DD.")]})
        direction = request.query_params.get("direction") or None
        if direction and direction not in Direction.values:
            raise serializers.ValidationError({"direction": [_("One of export, import, empty.")]})
        slots = selectors.slots_for_day(gate, day, direction)
        return Response(SlotSerializer(slots, many=True).data)


class BookingViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    serializer_class = BookingSerializer

    def get_queryset(self) -> QuerySet[Booking]:
        return selectors.bookings_for_user(self.request.user).order_by("-created", "-id")

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The caller's bookings; the queue positions of a page in one query, not one per row."""
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        rows = list(page if page is not None else queryset)
        context = {**self.get_serializer_context(), "queue_positions": selectors.queue_positions(rows)}
        data = self.get_serializer_class()(rows, many=True, context=context).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # The serializer's reading and answer without building it per request (the hot path of a
        # booking rush); it stays the declared shape of both.
        declaration, slot = booking_params(request)
        booking = services.booking_create(declaration=declaration, slot=slot, actor=request.user)
        # A new booking is not in the yard: it has no queue position (and no query for one).
        return Response(booking_reply(booking, selectors.queue_position(booking)), status=201)

    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        booking = self.get_object()
        data = CancelSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        booking = services.booking_cancel(
            booking=booking, actor=request.user, reason=data.validated_data["reason"]
        )
        return Response(self.get_serializer(booking).data)

    @action(detail=True, methods=["post"])
    def rebook(self, request: Request, pk: str | None = None) -> Response:
        booking = self.get_object()
        data = RebookSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        booking = services.booking_rebook(
            booking=booking, slot=data.validated_data["slot"], actor=request.user
        )
        return Response(self.get_serializer(booking).data)


class WaitlistViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    serializer_class = WaitlistSerializer

    def get_queryset(self) -> QuerySet[WaitlistEntry]:
        return WaitlistEntry.objects.filter(company=company_for_user(self.request.user)).order_by("-created")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        entry = services.waitlist_join(actor=request.user, **serializer.validated_data)
        return Response(self.get_serializer(entry).data, status=201)

    @action(detail=True, methods=["post"])
    def leave(self, request: Request, pk: str | None = None) -> Response:
        entry = services.waitlist_leave(entry=self.get_object(), actor=request.user)
        return Response(self.get_serializer(entry).data)


class TicketPngView(APIView):
    """GET the booking's ticket as a PNG: its QR code (which encodes exactly the booking's
    `ticket`) with the plate, gate, direction, slot day and time and the declaration number."""

    content_negotiation_class = IgnoreAccept

    @extend_schema(responses={(200, "image/png"): OpenApiTypes.BINARY})
    def get(self, request: Request, pk: int) -> HttpResponse:
        booking = get_object_or_404(selectors.bookings_for_user(request.user), pk=pk)
        return ticket_response(booking, "png")


class TicketPdfView(APIView):
    """GET the booking's ticket as a one-page A6 PDF for printing (the same drawing as the PNG)."""

    content_negotiation_class = IgnoreAccept

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    def get(self, request: Request, pk: int) -> HttpResponse:
        booking = get_object_or_404(selectors.bookings_for_user(request.user), pk=pk)
        return ticket_response(booking, "pdf")
