"""The project's URLs plus the floor write of the position bench (bench only).

The floor is what any write costs at the least in this stack: a DRF view with the same token
authentication as `POST /api/v1/positions/`, one indexed lookup (the live booking of a plate)
and one INSERT of a position row, in a transaction.
"""

from __future__ import annotations

from django.db import transaction
from django.urls import include, path
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from queueing.models import Booking
from queueing.tracking.models import Position


class FloorWrite(APIView):
    schema = None

    def post(self, request: Request) -> Response:
        data = request.data
        booking_id = (
            Booking.objects.filter(
                plate_canonical=data["plate"].replace("-", "").replace(".", ""), state="confirmed"
            )
            .values_list("id", flat=True)
            .first()
        )
        if booking_id is None:
            return Response({"code": "invalid"}, status=400)
        with transaction.atomic():
            Position.objects.bulk_create(
                [
                    Position(
                        booking_id=booking_id, time=data["time"], lat=data["lat"], lon=data["lon"],
                        source="fleet", received=timezone.now(),
                    )
                ],
                ignore_conflicts=True,
            )  # fmt: skip
        return Response({"ok": True}, status=201)


urlpatterns = [
    path("bench/floor/", FloorWrite.as_view()),
    path("", include("cuakhau.urls")),
]
