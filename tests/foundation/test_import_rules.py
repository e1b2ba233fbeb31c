"""The import rules `make lint` checks (scripts/check_imports.py): floors and no cycle."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "check_imports.py"


@pytest.fixture(scope="module")
def check() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_imports", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_cycle_is_found_whatever_its_length_and_a_chain_is_not(check: ModuleType) -> None:
    graph = {
        "a.py": ["b.py"],
        "b.py": ["c.py"],
        "c.py": ["a.py", "d.py"],
        "d.py": ["e.py"],
        "e.py": [],
        "f.py": ["f2.py"],
        "f2.py": ["f.py"],
    }
    assert sorted(map(sorted, check.cycles(graph))) == [["a.py", "b.py", "c.py"], ["f.py", "f2.py"]]
    assert check.cycles({"a.py": ["b.py"], "b.py": ["c.py"], "c.py": []}) == []


def test_floors_run_from_cuakhau_to_the_simulation_with_the_wiring_on_top(check: ModuleType) -> None:
    order = [
        "cuakhau/errors.py",
        "vehicles/models.py",
        "declarations/models.py",
        "declarations/fees/models.py",
        "queueing/kiosk/services.py",
        "queueing/simulation/engine.py",
        "cuakhau/urls.py",
    ]
    floors = [check.floor_of(path) for path in order]
    assert floors == sorted(floors) and floors[2] == floors[3] and len(set(floors)) == 6
    assert check.floor_of("tests/conftest.py") is None


def test_the_project_keeps_its_floors_and_has_no_cycle_but_the_celery_pairs(check: ModuleType) -> None:
    graph = check.import_graph()
    assert "declarations/models.py" in graph
    found = check.cycles(graph)
    assert all(component in check.ALLOWED_CYCLES for component in found)
    assert check.main() == 0
