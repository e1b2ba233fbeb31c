"""Every admin page is scoped: a staff member of one gate (every role) never sees a row of another
gate, nor an officer one of another agency; identity numbers are masked for those who do not need
them; changes are kept in an append-only change log that managers can read for their gates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from cuakhau.accounts.roles import Agency, Role
from cuakhau.notifications.models import Notification
from cuakhau.security.admin_scope import ScopedAdmin
from cuakhau.transitions.models import TransitionLog
from declarations.fees.models import Fee, FeeSchedule, Payment
from declarations.models import AgencyReview, Declaration, ReviewTarget, RoutingRule
from queueing.kiosk.models import GateEvent
from queueing.kiosk.services import device_create
from queueing.models import (
    Booking,
    CapacityOverride,
    CapacityTemplate,
    PartnerAcceptance,
    Slot,
    WaitlistEntry,
)
from queueing.rules import new_ticket
from tests import factories
from vehicles.models import Company, Driver, Gate, StaffAssignment, Vehicle

HOME, FAR = "TAN_THANH", "HUU_NGHI"
ROLES = [
    (Role.CUSTOMS, Agency.CUSTOMS),
    (Role.BORDER_GUARD, Agency.BORDER_GUARD),
    (Role.QUARANTINE, Agency.QUARANTINE),
    (Role.GATE_STAFF, ""),
    (Role.GATE_MANAGER, ""),
]
# Province-wide data with no gate: listed here on purpose, everything else must be scoped.
GLOBAL_MODELS = {"fees.feeschedule"}


def _log(obj, note: str = "") -> TransitionLog:  # type: ignore[no-untyped-def]
    return TransitionLog.objects.create(
        content_type=ContentType.objects.get_for_model(obj),
        object_id=obj.pk,
        transition="t",
        source="a",
        target="b",
        note=note,
    )


def _world_at(code: str, tag: str) -> dict[type, list]:
    """One of everything at gate `code`, by model."""
    gate = Gate.objects.get(code=code)
    company = factories.CompanyFactory()
    vehicle = factories.VehicleFactory(company=company)
    driver = factories.DriverFactory(company=company)
    declaration = factories.DeclarationFactory(
        company=company, vehicle=vehicle, driver=driver, gate=gate, state="under_review", channel="yellow"
    )
    reviews = [
        AgencyReview.objects.create(declaration=declaration, agency=a, note=f"{tag} {a} note")
        for a in Agency.values
    ]
    start = timezone.now().replace(second=0, microsecond=0) + dt.timedelta(days=1)
    slot = Slot.objects.create(
        gate=gate, direction="export", start=start, end=start + dt.timedelta(hours=1), capacity=5, booked=1
    )
    booking = Booking.objects.create(
        declaration=declaration,
        slot=slot,
        gate=gate,
        company=company,
        vehicle=vehicle,
        plate_canonical=vehicle.plate_canonical,
        slot_start=start,
        ticket=new_ticket(),
    )
    schedule = FeeSchedule.objects.first()
    fee = Fee.objects.create(declaration=declaration, schedule=schedule, amount=1000000)
    payment = Payment.objects.create(
        fee=fee, gate=gate, method="cash", amount=1000000, provider_txn_id=f"cash:{code}:{tag}"
    )
    device, _key = device_create(gate=gate, lane=f"lane-{tag}")
    operator = factories.operator_user(company)
    officer = factories.staff_user(Role.CUSTOMS, Agency.CUSTOMS, gates=[code])
    rule = RoutingRule.objects.create(kind="quarantine_chapters", value="99", gate=gate)
    return {
        Gate: [gate],
        Company: [company],
        Vehicle: [vehicle],
        Driver: [driver],
        Declaration: [declaration],
        AgencyReview: reviews,
        Slot: [slot],
        Booking: [booking],
        Fee: [fee],
        Payment: [payment],
        TransitionLog: [_log(declaration), *[_log(r, f"{tag} note of {r.agency}") for r in reviews]],
        Notification: [
            Notification.objects.create(
                recipient=operator,
                event="declaration.submitted",
                subject_type="declaration",
                subject_id=declaration.pk,
                title=f"{tag} title",
                body=f"{tag} body",
                idempotency_key=f"k-{tag}",
            )
        ],
        CapacityTemplate: [
            CapacityTemplate.objects.create(
                gate=gate, direction="export", weekday=0, opens=dt.time(7), closes=dt.time(17), capacity=10
            )
        ],
        CapacityOverride: [
            CapacityOverride.objects.create(gate=gate, date=start.date(), kind="closed", reason="holiday")
        ],
        PartnerAcceptance: [PartnerAcceptance.objects.create(gate=gate, date=start.date(), accepted=100)],
        WaitlistEntry: [WaitlistEntry.objects.create(slot=slot, declaration=declaration, company=company)],
        device.__class__: [device],
        GateEvent: [GateEvent.objects.create(gate=gate, verdict="allow", reason_code="ok")],
        RoutingRule: [rule],
        ReviewTarget: [ReviewTarget.objects.create(gate=gate, agency="customs", hours=Decimal("2"))],
        StaffAssignment: [officer.staff_assignment],
        LogEntry: list(LogEntry.objects.get_for_object(rule)),
    }


def _request(user):  # type: ignore[no-untyped-def]
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


@pytest.mark.django_db
@pytest.mark.parametrize("role,agency", ROLES)
def test_no_admin_page_shows_a_row_of_another_gate(role, agency, client):
    far = _world_at(FAR, "far")
    viewer = factories.staff_user(role, agency, gates=[HOME])
    client.force_login(viewer)

    for model, model_admin in admin.site._registry.items():
        label = model._meta.label_lower
        assert isinstance(model_admin, ScopedAdmin), f"{label}: its admin is not scoped"
        visible = set(model_admin.get_queryset(_request(viewer)).values_list("pk", flat=True))
        if model in far:
            assert far[model], f"{label}: the test built no row"
            leaked = [o.pk for o in far[model] if o.pk in visible]
            assert not leaked, f"{label}: {role} of {HOME} sees rows {leaked} of {FAR}"
            for obj in far[model]:
                url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[obj.pk])
                response = client.get(url)
                assert response.status_code != 200, f"{label}: {url} answered 200"
        elif model_admin.admin_scope.kind == "global":
            assert label in GLOBAL_MODELS, f"{label}: global scope without a reason"
        else:
            assert model_admin.admin_scope.kind == "superuser_only", f"{label}: no row of another gate tested"
            assert not visible, f"{label}: superuser-only, yet {role} sees rows"


@pytest.mark.django_db
def test_a_manager_sees_the_rows_of_their_own_gate():
    home = _world_at(HOME, "home")
    manager = factories.staff_user(Role.GATE_MANAGER, gates=[HOME])

    for model in (
        RoutingRule,
        ReviewTarget,
        Payment,
        Fee,
        TransitionLog,
        Notification,
        Declaration,
        LogEntry,
    ):
        visible = set(
            admin.site._registry[model].get_queryset(_request(manager)).values_list("pk", flat=True)
        )
        assert {o.pk for o in home[model]} <= visible, model


@pytest.mark.django_db
def test_an_officer_sees_neither_the_reviews_nor_the_notes_of_another_agency_at_their_gate():
    _world_at(HOME, "home")
    customs = factories.staff_user(Role.CUSTOMS, Agency.CUSTOMS, gates=[HOME])
    request = _request(customs)

    reviews = admin.site._registry[AgencyReview].get_queryset(request)
    notes = admin.site._registry[TransitionLog].get_queryset(request).values_list("note", flat=True)

    assert [r.agency for r in reviews] == ["customs"]
    assert "home note of customs" in notes
    assert "home note of quarantine" not in notes
    assert "home note of border_guard" not in notes


@pytest.mark.django_db
def test_a_manager_cannot_add_a_rule_for_every_gate_nor_for_another_gate(client):
    manager = factories.staff_user(Role.GATE_MANAGER, gates=[HOME])
    client.force_login(manager)
    url = reverse("admin:declarations_routingrule_add")
    far_gate = Gate.objects.get(code=FAR)
    before = RoutingRule.objects.count()

    no_gate = client.post(url, {"kind": "quarantine_chapters", "value": "99", "is_active": "on"})
    other_gate = client.post(
        url, {"kind": "red_prefixes", "value": "08", "gate": far_gate.pk, "is_active": "on"}
    )

    assert no_gate.status_code == 200 and other_gate.status_code == 200  # the form again, with errors
    assert RoutingRule.objects.count() == before


@pytest.mark.django_db
def test_a_rule_for_every_gate_is_read_only_for_a_manager(client):
    rule = RoutingRule.objects.create(kind="quarantine_chapters", value="99")
    manager = factories.staff_user(Role.GATE_MANAGER, gates=[HOME])
    client.force_login(manager)
    url = reverse("admin:declarations_routingrule_change", args=[rule.pk])

    client.post(url, {"kind": "quarantine_chapters", "value": "01-24", "is_active": "on"})

    rule.refresh_from_db()
    assert rule.value == "99"


@pytest.mark.django_db
def test_identity_numbers_are_masked_for_customs_and_shown_to_border_guards(client):
    home = _world_at(HOME, "home")
    driver = home[Driver][0]
    url = reverse("admin:vehicles_driver_changelist")

    client.force_login(factories.staff_user(Role.CUSTOMS, Agency.CUSTOMS, gates=[HOME]))
    masked = client.get(url).content.decode()
    client.force_login(factories.staff_user(Role.BORDER_GUARD, Agency.BORDER_GUARD, gates=[HOME]))
    shown = client.get(url).content.decode()

    assert driver.id_number not in masked
    assert "•" * 9 + driver.id_number[-3:] in masked
    assert driver.id_number in shown


@pytest.mark.django_db
def test_a_customs_officer_cannot_find_a_driver_by_identity_number(client):
    home = _world_at(HOME, "home")
    client.force_login(factories.staff_user(Role.CUSTOMS, Agency.CUSTOMS, gates=[HOME]))

    page = client.get(reverse("admin:vehicles_driver_changelist"), {"q": home[Driver][0].id_number})

    assert home[Driver][0].full_name not in page.content.decode()


@pytest.mark.django_db
def test_an_admin_change_is_logged_with_before_and_after_and_readable_by_the_gate_manager(client):
    gate = Gate.objects.get(code=HOME)
    target = ReviewTarget.objects.create(gate=gate, agency="customs", hours=Decimal("2"))
    manager = factories.staff_user(Role.GATE_MANAGER, gates=[HOME])
    client.force_login(manager)

    response = client.post(
        reverse("admin:declarations_reviewtarget_change", args=[target.pk]),
        {"gate": gate.pk, "agency": "customs", "hours": "3"},
    )
    assert response.status_code == 302

    entry = LogEntry.objects.get_for_object(target).filter(action=LogEntry.Action.UPDATE).get()
    assert entry.actor == manager
    before, after = entry.changes_dict["hours"]
    assert (before, after) in {("2.00", "3"), ("2.00", "3.00"), ("2", "3")}
    page = client.get(reverse("admin:auditlog_logentry_changelist"))
    assert page.status_code == 200
    assert reverse("admin:auditlog_logentry_change", args=[entry.pk]) in page.content.decode()
    log_admin = admin.site._registry[LogEntry]
    superuser = factories.UserFactory(is_superuser=True, is_staff=True)
    assert not log_admin.has_change_permission(_request(superuser), entry)
    assert not log_admin.has_delete_permission(_request(superuser), entry)


@pytest.mark.django_db
def test_a_review_target_longer_than_a_week_is_refused(client):
    gate = Gate.objects.get(code=HOME)
    client.force_login(factories.staff_user(Role.GATE_MANAGER, gates=[HOME]))

    response = client.post(
        reverse("admin:declarations_reviewtarget_add"), {"gate": gate.pk, "agency": "customs", "hours": "999"}
    )

    assert response.status_code == 200  # the form again, with the error
    assert not ReviewTarget.objects.filter(gate=gate, hours=Decimal("999")).exists()
