"""The project's URLs plus the two floors the HTTP benches compare with (bench only).

- floor read: a DRF view that looks a vehicle up by canonical plate;
- floor write: the same lookup plus one INSERT, in a transaction.
Both take the same JSON POST body shape as a scan (`{"plate": ...}`), no authentication and no
throttle: the least any endpoint that reads, or reads and writes, can cost on this stack.
"""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction
from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cuakhau.urls import urlpatterns as project_urlpatterns
from vehicles.models import Vehicle
from vehicles.plates import canonical_plate

FLOOR_TABLE = "bench_floor_write"


def _vehicle(request: Request) -> dict[str, Any] | None:
    plate = canonical_plate(str(request.data.get("plate", "")))[:20]
    return Vehicle.objects.filter(plate_canonical=plate).values("id", "plate", "company_id").first()


class FloorRead(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []

    def post(self, request: Request) -> Response:
        return Response({"vehicle": _vehicle(request)})


class FloorWrite(FloorRead):
    def post(self, request: Request) -> Response:
        with transaction.atomic():
            vehicle = _vehicle(request)
            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {FLOOR_TABLE} (vehicle_id, created) VALUES (%s, now()) RETURNING id",
                    [vehicle["id"] if vehicle else None],
                )
                (row_id,) = cursor.fetchone()
        return Response({"vehicle": vehicle, "id": row_id})


urlpatterns = [
    path("bench/floor/read/", FloorRead.as_view()),
    path("bench/floor/write/", FloorWrite.as_view()),
    *project_urlpatterns,
]
