"""The import rules of docs/architecture.md, checked on ruff's import graph (`make lint`).

1. Floors: a module imports its own floor or a lower one, never a higher one
   (cuakhau < vehicles < declarations < queueing < queueing.simulation; the wiring modules of
   cuakhau, which name every app, sit on top).
2. No cycles: modules do not import each other in a circle, deferred imports included, except
   the pairs listed in ALLOWED_CYCLES (each commented at its import).

Exits 1 and names every import that breaks a rule. Imports under `if TYPE_CHECKING:` are left
out: they never run.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ["cuakhau", "vehicles", "declarations", "queueing"]
# Most specific prefix first.
FLOORS = [
    ("queueing/simulation/", 4),
    ("queueing/", 3),
    ("declarations/", 2),
    ("vehicles/", 1),
    ("cuakhau/", 0),
]
WIRING = {"cuakhau/urls.py", "cuakhau/api_urls.py", "cuakhau/settings.py"}
TOP = max(floor for _prefix, floor in FLOORS) + 1
# A service that queues its own Celery task: the task module wraps the service.
ALLOWED_CYCLES = [
    {"cuakhau/notifications/services.py", "cuakhau/notifications/tasks.py"},
    {"queueing/simulation/services.py", "queueing/simulation/tasks.py"},
]


def floor_of(path: str) -> int | None:
    if path in WIRING:
        return TOP
    for prefix, floor in FLOORS:
        if path.startswith(prefix):
            return floor
    return None


def import_graph() -> dict[str, list[str]]:
    ruff = Path(sys.executable).with_name("ruff")
    out = subprocess.run(
        [str(ruff), "analyze", "graph", "--no-type-checking-imports", *PACKAGES],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    graph: dict[str, list[str]] = json.loads(out)
    return {
        module: [d for d in deps if d in graph and "/migrations/" not in d]
        for module, deps in graph.items()
        if "/migrations/" not in module
    }


def cycles(graph: dict[str, list[str]]) -> list[set[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(graph[root]))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, deps = work[-1]
            for dep in deps:
                if dep not in index:
                    index[dep] = low[dep] = counter
                    counter += 1
                    stack.append(dep)
                    on_stack.add(dep)
                    work.append((dep, iter(graph[dep])))
                    break
                if dep in on_stack:
                    low[node] = min(low[node], index[dep])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(component)
    return found


def main() -> int:
    graph = import_graph()
    problems = []
    for module, deps in sorted(graph.items()):
        own = floor_of(module)
        for dep in deps:
            other = floor_of(dep)
            if own is not None and other is not None and other > own:
                problems.append(f"{module} imports {dep}, a higher floor")
    for component in cycles(graph):
        if component not in ALLOWED_CYCLES:
            problems.append("import cycle: " + " <-> ".join(sorted(component)))
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} import rule(s) broken (docs/architecture.md, 'Imports and types')")
        return 1
    print(f"imports: {len(graph)} modules, floors kept, no cycle")
    return 0


if __name__ == "__main__":
    sys.exit(main())
