"""Measurement, not a test (not collected; run it by name):

    pytest -n 0 -q -s tests/queueing/measure_booking_cpu.py

CPU per booking POST through DRF's APIClient with token authentication (a full-slot refusal and
a success), statements per request, and Python calls per request (cProfile; unlike CPU time, not
moved by the machine's load), for the request path before the hot path (`old_create`: the
serializer reads the body and shapes the reply) and now, alternated in one process.
docs/performance.md "Booking burst" has the figures."""

from __future__ import annotations

import cProfile
import pstats
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.response import Response
from rest_framework.test import APIClient

from queueing import api, services

from .conftest import make_declaration, make_slot

pytestmark = pytest.mark.django_db
N = 300  # requests per timed loop
ROUNDS = 3
PROFILED = 50


def old_create(self, request, *args, **kwargs):  # type: ignore[no-untyped-def]
    serializer = self.get_serializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    booking = services.booking_create(
        declaration=serializer.validated_data["declaration"],
        slot=serializer.validated_data["slot"],
        actor=request.user,
    )
    return Response(self.get_serializer(booking).data, status=201)


def test_measure(company, owner, gate, monkeypatch):  # type: ignore[no-untyped-def]
    new_create = api.BookingViewSet.create
    variants = (("before", old_create), ("now", new_create))
    gate.company_daily_booking_cap = 10_000
    gate.save()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=owner).key}")
    full = make_slot(gate, capacity=1)
    services.booking_create(declaration=make_declaration(company), slot=full, actor=owner)
    refusal = {"declaration": make_declaration(company).pk, "slot": full.pk}
    successes = 2 * ROUNDS * (N + 1) + 2 * PROFILED
    open_slot = make_slot(gate, capacity=successes)
    decls = [make_declaration(company).pk for _ in range(successes)]

    def post(kind: str) -> int:
        body = refusal if kind == "refusal" else {"declaration": decls.pop(), "slot": open_slot.pk}
        return client.post("/api/v1/bookings/", body, format="json").status_code

    for _ in range(20):
        assert post("refusal") == 409
    out = []
    for _ in range(ROUNDS):
        for name, impl in variants:
            monkeypatch.setattr(api.BookingViewSet, "create", impl)
            line = [name]
            for kind, status in (("refusal", 409), ("success", 201)):
                with CaptureQueriesContext(connection) as queries:
                    assert post(kind) == status
                statements = len(queries)  # now: the log keeps only the last 9,000
                start = time.process_time()
                for _ in range(N):
                    assert post(kind) == status
                cpu = (time.process_time() - start) / N * 1000
                line.append(f"{kind} {cpu:.2f} ms CPU, {statements} statements")
            out.append("; ".join(line))
    for name, impl in variants:
        monkeypatch.setattr(api.BookingViewSet, "create", impl)
        for kind in ("refusal", "success"):
            profile = cProfile.Profile()
            profile.enable()
            for _ in range(PROFILED):
                post(kind)
            profile.disable()
            calls = pstats.Stats(profile).total_calls / PROFILED  # type: ignore[attr-defined]
            out.append(f"{name} {kind}: {calls:.0f} Python calls per request")
    print("\n" + "\n".join(out))
