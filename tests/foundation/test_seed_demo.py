"""`manage.py seed_demo`: one user per role, two companies, idempotent."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.core.management import call_command

from cuakhau.accounts.roles import user_has_role
from declarations.models import Declaration
from vehicles.models import Company, Driver, Gate, StaffAssignment, Vehicle

pytestmark = pytest.mark.django_db

ROLES = {
    "demo-operator": "operator",
    "demo-operator-2": "operator",
    "demo-customs": "customs",
    "demo-border-guard": "border_guard",
    "demo-quarantine": "quarantine",
    "demo-gate-staff": "gate_staff",
    "demo-manager": "gate_manager",
}


def _seed(capsys) -> str:  # type: ignore[no-untyped-def]
    call_command("seed_demo")
    return capsys.readouterr().out


def test_seed_creates_one_user_per_role_who_can_log_in_with_the_demo_password(capsys, settings):
    settings.DEMO_PASSWORD = "another-Demo-pw1"
    out = _seed(capsys)

    for username, role in ROLES.items():
        user = authenticate(username=username, password="another-Demo-pw1")
        assert user is not None, username
        assert user_has_role(user, role)
        assert username in out
    assert User.objects.get(username="demo-admin").is_superuser
    assert "another-Demo-pw1" in out


def test_officers_staff_and_manager_are_staff_at_all_four_gates(capsys):
    _seed(capsys)

    for username in [
        "demo-customs",
        "demo-border-guard",
        "demo-quarantine",
        "demo-gate-staff",
        "demo-manager",
    ]:
        user = User.objects.get(username=username)
        assignment = StaffAssignment.objects.get(user=user)
        assert user.is_staff
        assert set(assignment.gates.values_list("code", flat=True)) == {
            "HUU_NGHI",
            "TAN_THANH",
            "CHI_MA",
            "COC_NAM",
        }
    assert StaffAssignment.objects.get(user__username="demo-quarantine").agency == "quarantine"
    assert not User.objects.get(username="demo-operator").is_staff


def test_the_two_operators_act_for_two_companies_each_with_a_driver_and_a_vehicle(capsys):
    _seed(capsys)

    first = Company.objects.get(members__user__username="demo-operator")
    second = Company.objects.get(members__user__username="demo-operator-2")
    assert first != second
    assert set(Vehicle.objects.filter(company=first).values_list("plate", flat=True)) == {
        "12C-123.45",  # the company's registered truck
        "12C-456.78",  # the demo story's second reefer (in the yard when the gate is open)
    }
    cn_vehicle = Vehicle.objects.get(company=second)
    assert (cn_vehicle.country, cn_vehicle.plate_canonical) == ("CN", "桂F12345")
    assert Driver.objects.get(company=second).nationality == "CN"
    assert Driver.objects.get(company=first).nationality == "VN"


def test_seed_is_idempotent_and_restores_a_deleted_gate(capsys):
    _seed(capsys)
    Gate.objects.filter(code="COC_NAM").delete()

    _seed(capsys)

    assert Gate.objects.filter(code="COC_NAM").exists()
    assert User.objects.filter(username__startswith="demo-").count() == 8
    assert Company.objects.count() == 2
    assert Vehicle.objects.count() == 3 and Driver.objects.count() == 2
    # the demo story (queueing/demo.py) is told once: a draft, one waiting, two cleared
    assert Declaration.objects.count() == 4
    assert set(Declaration.objects.values_list("state", flat=True)) == {"draft", "submitted", "cleared"}
