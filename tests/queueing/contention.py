"""Fire many concurrent booking attempts at one slot, each thread on its own database connection.

Used by the PostgreSQL test (inside pytest) and by the SQLite script (a separate process on a
file database, since pytest-django's SQLite test database lives in memory).
"""

from __future__ import annotations

import threading
from collections import Counter

from django.db import connections

from cuakhau.errors import Conflict
from queueing import services
from queueing.models import Slot
from tests import factories


def prepare(*, gate, places: int, attempts: int, companies: int = 25):  # type: ignore[no-untyped-def]
    """One slot with `places` places and `attempts` bookable declarations spread over companies."""
    from .conftest import make_slot

    slot = make_slot(gate, capacity=places, hours_ahead=30)
    owners = []
    declarations = []
    for i in range(companies):
        company = factories.CompanyFactory()
        owners.append(factories.operator_user(company))
        for _ in range(attempts // companies + (1 if i < attempts % companies else 0)):
            declarations.append(
                (factories.DeclarationFactory(company=company, state="submitted", gate=gate), i)
            )
    return slot, [(d, owners[i]) for d, i in declarations]


def fire_attempts(slot: Slot, work: list, *, threads: int = 24) -> Counter:
    """Run booking_create for every (declaration, owner) on `threads` threads; count outcomes."""
    outcomes: Counter = Counter()
    lock = threading.Lock()
    barrier = threading.Barrier(threads)
    chunks = [work[i::threads] for i in range(threads)]

    def run(chunk: list) -> None:
        try:
            barrier.wait()
            for declaration, owner in chunk:
                try:
                    services.booking_create(declaration=declaration, slot=slot, actor=owner)
                    result = "ok"
                except Conflict as exc:
                    result = exc.code
                except Exception as exc:  # any other error is a failure the test reports
                    result = f"error:{type(exc).__name__}:{exc}"
                with lock:
                    outcomes[result] += 1
        finally:
            connections.close_all()  # each thread opened its own connection; give it back

    pool = [threading.Thread(target=run, args=(c,)) for c in chunks]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return outcomes
