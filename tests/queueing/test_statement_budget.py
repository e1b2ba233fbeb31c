"""The statements a whole truck lifecycle costs over the API, and the bookings list's queries.

Register vehicle and driver → declare → submit → each agency claims and approves → the fee is
paid → book → yard scan and admit → call-forward → lane scan and exit. Every statement counts,
transaction control included (in a test the transactions are savepoints, which are captured).
"""

from __future__ import annotations

import datetime as dt
import os

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from cuakhau.accounts.roles import Agency, Role
from declarations.models import RoutingRule
from queueing.models import Booking, Slot
from queueing.services import call_forward_run
from tests import factories
from tests.declarations.conftest import MACHINES

pytestmark = pytest.mark.django_db

# The goal is 100 (see docs/performance.md); this pins what the lifecycle costs now, so that a
# change that adds statements fails here and says by how much. 264 before: the booking now uses
# the serializer's slot and reads perishable cargo with its lock (19 → 15), a caller's company is
# one query, notify() reads no profile the recipients came with, a submission reads its routing
# rules and cargo lines once and a new declaration deletes no children (submit 62 → 53); the
# booking reads the caller's declaration joined to its membership, which gives its company (237 → 236);
# the token is read with the caller's roles, company, assignment and gates in one statement
# (vehicles.authentication), so no request asks for them again (236 → 207); the booking's
# declaration and slot are one statement (207 → 206). The declaration's create, submit, claim and
# approve answer from the rows their services wrote or locked; a submission saves its declaration
# once, inserts its reviews with their clocks in one statement, reads no review twice and looks
# for no fee of a draft; an officer's action reads the review once before the lock (206 → 168).
# A kiosk action runs the yard service on the booking it locked, in its own transaction, and an
# exit locks the declaration with it and completes it without re-reading what it holds; a
# payment reads the fee with its declaration, takes no savepoint, leaves the receipt's uniqueness
# to the insert and replies with the fee it changed; a booking locks the company with the
# declaration; call-forward reads its gate with its counts (168 → 144). A vehicle or driver
# registered for the caller's company does not look the company up again (144 → 142).
# STATEMENT_BUDGET_SQL=1 prints every statement under its step.
LIFECYCLE_BUDGET = 142


def _client(user) -> APIClient:  # type: ignore[no-untyped-def]
    # Token authentication: each request establishes who the caller is, as real clients do.
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


STEPS: list[tuple[str, int]] = []


def _ok(response, status: int = 200):  # type: ignore[no-untyped-def]
    assert response.status_code == status, (response.status_code, response.content[:500])
    STEPS.append(
        (f"{response.request['REQUEST_METHOD']} {response.request['PATH_INFO']}", len(connection.queries))
    )
    return response.json()


@pytest.mark.postgres  # the production database's statements (the caller's one statement, arrays)
def test_a_whole_truck_lifecycle_over_the_api_stays_within_its_statement_budget(gate) -> None:
    RoutingRule.objects.all().delete()  # green channel: no document check, no inspection
    company = factories.CompanyFactory()
    operator = _client(factories.operator_user(company))
    customs = _client(factories.staff_user(Role.CUSTOMS, Agency.CUSTOMS))
    guard = _client(factories.staff_user(Role.BORDER_GUARD, Agency.BORDER_GUARD))
    staff = _client(factories.staff_user(Role.GATE_STAFF))
    start = timezone.now().replace(second=0, microsecond=0) + dt.timedelta(minutes=20)
    slot = Slot.objects.create(
        gate=gate, direction="export", start=start, end=start + dt.timedelta(hours=1), capacity=10
    )

    with CaptureQueriesContext(connection) as queries:
        vehicle = _ok(operator.post("/api/v1/vehicles/", {"plate": "12C-456.78"}, format="json"), 201)
        driver = _ok(
            operator.post(
                "/api/v1/drivers/",
                {"full_name": "Nguyễn Văn An", "nationality": "VN", "id_number": "012345678901"},
                format="json",
            ),
            201,
        )
        declaration = _ok(
            operator.post(
                "/api/v1/declarations/",
                {
                    "vehicle": vehicle["id"],
                    "driver": driver["id"],
                    "gate": "HUU_NGHI",
                    "direction": "export",
                    "planned_date": timezone.localdate().isoformat(),
                    "cargo_lines": [MACHINES],
                    "containers": ["CSQU3054383"],
                },
                format="json",
            ),
            201,
        )
        number = declaration["id"]
        submitted = _ok(operator.post(f"/api/v1/declarations/{number}/submit/"))
        for officer, agency in ((customs, "customs"), (guard, "border_guard")):
            review = next(r for r in submitted["reviews"] if r["agency"] == agency)
            if review["state"] != "pending":
                continue  # decided by rule at submission
            _ok(officer.post(f"/api/v1/reviews/{review['id']}/claim/"))
            _ok(officer.post(f"/api/v1/reviews/{review['id']}/approve/", {"note": "ok"}, format="json"))
        fee = _ok(operator.get(f"/api/v1/declarations/{number}/fee/"))
        _ok(
            staff.post(
                f"/api/v1/declarations/{number}/fee/cash/",
                {"amount": fee["amount"], "receipt_number": "R-1"},
                format="json",
            ),
            201,
        )
        booking = _ok(
            operator.post("/api/v1/bookings/", {"declaration": number, "slot": slot.pk}, format="json"), 201
        )
        scan = _ok(
            staff.post("/api/v1/kiosk/scan/", {"gate": "HUU_NGHI", "plate": "12C-456.78"}, format="json")
        )
        assert scan["action"] == "admit", scan
        _ok(staff.post("/api/v1/kiosk/actions/", {"event": scan["event"], "action": "admit"}, format="json"))
        assert call_forward_run(gate=gate) == [booking["id"]]
        scan = _ok(
            staff.post("/api/v1/kiosk/scan/", {"gate": "HUU_NGHI", "plate": "12C-456.78"}, format="json")
        )
        assert scan["action"] == "exit", scan
        _ok(staff.post("/api/v1/kiosk/actions/", {"event": scan["event"], "action": "exit"}, format="json"))

    assert Booking.objects.get(pk=booking["id"]).state == "departed"
    count = len(queries.captured_queries)
    print(f"\nlifecycle: {count} statements")
    before = 0
    for label, at in STEPS:
        print(f"  {at - before:4d}  {label}")
        if os.environ.get("STATEMENT_BUDGET_SQL"):
            for q in queries.captured_queries[before:at]:
                print("        " + q["sql"][:300])
        before = at
    assert count <= LIFECYCLE_BUDGET, f"{count} statements (budget {LIFECYCLE_BUDGET}, goal 100)"


def _list_queries(client: APIClient) -> int:
    with CaptureQueriesContext(connection) as queries:
        _ok(client.get("/api/v1/bookings/"))
    return len(queries.captured_queries)


def test_the_bookings_list_costs_the_same_whatever_the_number_of_bookings(company, owner, gate) -> None:
    from tests.kiosk.conftest import make_booking

    client = APIClient()
    client.force_authenticate(owner)
    for i in range(2):
        factories.VehicleFactory(company=company, plate=f"12C-111.{i:02d}")
        make_booking(plate=f"12C-111.{i:02d}", state="in_yard")
    few = _list_queries(client)
    for i in range(2, 8):
        factories.VehicleFactory(company=company, plate=f"12C-111.{i:02d}")
        make_booking(plate=f"12C-111.{i:02d}", state="in_yard" if i % 2 else "confirmed")
    many = _list_queries(client)
    assert many == few
    rows = client.get("/api/v1/bookings/").json()["results"]
    positions = sorted(r["queue_position"] for r in rows if r["queue_position"] is not None)
    assert positions == [1, 2, 3, 4, 5]  # the five trucks in the yard, in yard order
