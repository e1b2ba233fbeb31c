"""POST /api/v1/positions/: fixes from a company's fleet-tracking system (its own token).

Thin: the serializer checks each fix's shape and ranges, the service checks the rest (plate of
the company's own truck with a live booking, time) and stores all or nothing.
"""

from __future__ import annotations

import math

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from . import services
from .models import Source


class FixSerializer(serializers.Serializer):
    plate = serializers.CharField(max_length=20)
    time = serializers.DateTimeField(help_text=_("ISO 8601 with offset; not in the future"))
    lat = serializers.FloatField(min_value=-90, max_value=90)
    lon = serializers.FloatField(min_value=-180, max_value=180)
    speed = serializers.FloatField(
        required=False, allow_null=True, min_value=0, max_value=250, help_text=_("km/h")
    )
    accuracy = serializers.FloatField(required=False, allow_null=True, min_value=0, help_text=_("metres"))

    def validate(self, attrs: dict) -> dict:
        for name in ("lat", "lon", "speed", "accuracy"):
            value = attrs.get(name)
            if value is not None and not math.isfinite(value):
                raise serializers.ValidationError({name: [_("A finite number is required.")]})
        return attrs

    @staticmethod
    def to_fix(data: dict) -> services.Fix:
        return services.Fix(
            plate=data["plate"],
            time=data["time"],
            lat=data["lat"],
            lon=data["lon"],
            speed_kmh=data.get("speed"),
            accuracy_m=data.get("accuracy"),
        )


class TripSerializer(serializers.Serializer):
    # Declared, not a ModelSerializer: building fields from the model on every answer cost more
    # than the whole write of a fix.
    booking = serializers.IntegerField(source="booking_id")
    eta = serializers.DateTimeField()
    distance_km = serializers.FloatField(source="road_km", help_text=_("by road, estimated"))
    speed_kmh = serializers.FloatField()
    late = serializers.BooleanField()


class PositionsView(APIView):
    """Store one fix (an object) or many (a list, at most 500) of the company's own trucks."""

    @extend_schema(
        request=FixSerializer(many=True),
        responses={
            201: TripSerializer(many=True),
            400: OpenApiResponse(description="what was wrong, per fix; nothing stored"),
        },
    )
    def post(self, request: Request) -> Response:
        many = isinstance(request.data, list)
        serializer = FixSerializer(data=request.data, many=many)
        serializer.is_valid(raise_exception=True)
        rows = serializer.validated_data if many else [serializer.validated_data]
        fixes = [FixSerializer.to_fix(row) for row in rows]
        estimates = services.positions_ingest(actor=request.user, fixes=fixes, source=Source.FLEET, many=many)
        return Response(TripSerializer(estimates, many=True).data, status=201)
