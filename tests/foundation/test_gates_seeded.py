"""The four seeded gates come back after a flush, and a manager's edits are kept."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from vehicles.models import Gate
from vehicles.seeding import ensure_seeded_gates

pytestmark = pytest.mark.django_db


def test_missing_seeded_gates_are_put_back():
    Gate.objects.filter(code__in=["CHI_MA", "COC_NAM"]).delete()

    assert ensure_seeded_gates() == 2
    assert set(Gate.objects.values_list("code", flat=True)) >= {"HUU_NGHI", "TAN_THANH", "CHI_MA", "COC_NAM"}


def test_a_gate_a_manager_edited_is_left_as_it_is():
    Gate.objects.filter(code="HUU_NGHI").update(lane_release_per_tick=3, name="Hữu Nghị (renamed)")

    assert ensure_seeded_gates() == 0
    gate = Gate.objects.get(code="HUU_NGHI")
    assert (gate.lane_release_per_tick, gate.name) == (3, "Hữu Nghị (renamed)")


@pytest.mark.django_db(transaction=True)
def test_a_flush_like_the_one_ending_a_transactional_test_leaves_the_gates_in_place():
    call_command("flush", interactive=False, verbosity=0)

    assert set(Gate.objects.values_list("code", flat=True)) >= {"HUU_NGHI", "TAN_THANH", "CHI_MA", "COC_NAM"}
