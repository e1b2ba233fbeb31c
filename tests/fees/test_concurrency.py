"""Two payments of one fee at the same moment (cash at the kiosk while the bank callback
arrives): exactly one is recorded, on the real PostgreSQL."""

from __future__ import annotations

import json
import threading

import pytest
from django.db import connection

from cuakhau.errors import Conflict
from declarations.fees.models import FeeState, Payment
from declarations.fees.providers import Sandbox
from declarations.fees.services import fee_assess, payment_record_cash, payment_sandbox_callback
from tests import factories

from .conftest import make_declaration


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_cash_and_callback_record_exactly_one_payment():
    staff = factories.staff_user("gate_staff")
    fee = fee_assess(declaration=make_declaration(cargo=[("40011000", 12000)]))
    body = json.dumps(
        {"txn_id": "SBX-RACE", "reference": fee.declaration.number, "amount": fee.amount}
    ).encode()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def run(pay) -> None:  # type: ignore[no-untyped-def]
        try:
            barrier.wait()
            pay()
            outcomes.append("paid")
        except Conflict:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [
        threading.Thread(
            target=run,
            args=(
                lambda: payment_record_cash(fee=fee, amount=fee.amount, receipt_number="RACE", staff=staff),
            ),
        ),
        threading.Thread(
            target=run, args=(lambda: payment_sandbox_callback(body=body, signature=Sandbox.sign(body)),)
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["conflict", "paid"]
    assert Payment.objects.count() == 1
    fee.refresh_from_db()
    assert fee.state == FeeState.PAID
