import pytest

pytestmark = pytest.mark.django_db


def test_the_four_lang_son_gates_are_seeded():
    from vehicles.models import Gate

    assert set(Gate.objects.values_list("code", flat=True)) >= {"HUU_NGHI", "TAN_THANH", "COC_NAM", "CHI_MA"}


def test_every_role_group_exists_with_its_permissions():
    from django.contrib.auth.models import Group

    groups = {g.name: g for g in Group.objects.all()}
    assert {"operator", "customs", "border_guard", "quarantine", "gate_staff", "gate_manager"} <= set(groups)
    assert groups["customs"].permissions.filter(codename="change_agencyreview").exists()


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"
