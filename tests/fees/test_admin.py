from __future__ import annotations

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

from declarations.fees.models import FeeSchedule, FeeState, Payment, PaymentKind
from declarations.fees.services import payment_record_cash
from declarations.models import Declaration

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid_and_cancelled(fee, gate_staff):  # type: ignore[no-untyped-def]
    payment_record_cash(fee=fee, amount=1_000_000, receipt_number="R1", staff=gate_staff)
    Declaration.objects.filter(pk=fee.declaration_id).update(state="cancelled")
    fee.refresh_from_db()
    return fee


def test_a_manager_edits_the_schedule_with_its_rates_and_multipliers(client, gate_manager):
    client.force_login(gate_manager)
    schedule = FeeSchedule.objects.get(resolution="09/2025/NQ-HĐND")
    response = client.get(f"/admin/fees/feeschedule/{schedule.pk}/change/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "container_40_temporary_import" in html and "4000000" in html
    assert "inland_delivery" in html


def test_the_fee_admin_is_read_only_and_shows_payments(client, gate_manager, paid_and_cancelled):
    client.force_login(gate_manager)
    response = client.get(f"/admin/fees/fee/{paid_and_cancelled.pk}/change/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "R1" in html and "12000 kg" in html
    assert 'name="state"' not in html and 'name="amount"' not in html
    assert client.get("/admin/fees/fee/add/").status_code == 403


def test_payments_cannot_be_added_changed_or_deleted_in_the_admin(client, gate_manager, paid_and_cancelled):
    client.force_login(gate_manager)
    payment = Payment.objects.get()
    assert client.get("/admin/fees/payment/add/").status_code == 403
    assert client.post(f"/admin/fees/payment/{payment.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.get(f"/admin/fees/payment/{payment.pk}/change/").status_code == 200  # view only
    assert Payment.objects.count() == 1


def test_the_refund_action_asks_for_a_reason_then_refunds(client, gate_manager, paid_and_cancelled):
    client.force_login(gate_manager)
    url = "/admin/fees/fee/"
    base = {"action": "refund", ACTION_CHECKBOX_NAME: [paid_and_cancelled.pk]}
    ask = client.post(url, base)
    assert ask.status_code == 200 and 'name="reason"' in ask.content.decode()
    paid_and_cancelled.refresh_from_db()
    assert paid_and_cancelled.state == FeeState.PAID

    done = client.post(url, {**base, "apply": "1", "reason": "Cancelled: partner gate closed"})
    assert done.status_code == 302
    paid_and_cancelled.refresh_from_db()
    assert paid_and_cancelled.state == FeeState.REFUNDED
    assert Payment.objects.get(kind=PaymentKind.REFUND).reason == "Cancelled: partner gate closed"


def test_the_refund_action_is_not_offered_to_gate_staff(client, gate_staff, paid_and_cancelled):
    client.force_login(gate_staff)
    # gate staff may not even list fees (no view permission); the service refuses them anyway
    assert client.get("/admin/fees/fee/").status_code == 403


def test_the_collected_page_lists_totals_per_gate_and_day(client, gate_manager, paid_and_cancelled):
    client.force_login(gate_manager)
    response = client.get("/admin/fees/payment/collected/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "HUU_NGHI" in html and "1.000.000 VND" in html
    assert "/admin/fees/payment/collected/" in client.get("/admin/fees/payment/").content.decode()


def test_the_collected_page_needs_the_view_permission(client, customs_officer):
    client.force_login(customs_officer)
    assert client.get("/admin/fees/payment/collected/").status_code == 403


@pytest.mark.parametrize("query", ["date_to=9999-12-31", "date_from=0001-01-01", "date_to=0001-01-03"])
def test_the_collected_page_ignores_days_outside_the_calendar(
    client, gate_manager, paid_and_cancelled, query
):
    client.force_login(gate_manager)
    response = client.get(f"/admin/fees/payment/collected/?{query}")
    assert response.status_code == 200
    assert "1.000.000 VND" in response.content.decode()  # the default range, today included


def test_the_dashboard_the_admin_report_and_the_api_show_one_collected_table(
    client, api_client, gate_manager, gate_staff, paid_and_cancelled
):
    """Paid 1,000,000 then refunded 400,000 at Hữu Nghị today: every reader shows those sums."""
    from django.utils import timezone

    from declarations.fees.selectors import today_at_gates
    from queueing.dashboard import gate_day
    from tests.factories import gate

    Payment.objects.create(
        fee=paid_and_cancelled, gate=paid_and_cancelled.declaration.gate, kind=PaymentKind.REFUND,
        method="cash", amount=400_000, reason="part refund", by=gate_manager, provider_txn_id="refund-part",
    )  # fmt: skip
    expected = {"payments": 1, "collected": 1_000_000, "refunds": 1, "refunded": 400_000, "net": 600_000}

    card = gate_day(gate("HUU_NGHI"), timezone.localdate()).fees
    assert card == expected

    api_client.force_authenticate(gate_staff)
    row = api_client.get("/api/v1/fees/collected/?gate=HUU_NGHI").json()["results"][0]
    assert {k: row[k] for k in expected} == expected
    assert row["date"] == today_at_gates().isoformat()

    client.force_login(gate_manager)
    html = client.get("/admin/fees/payment/collected/").content.decode()
    assert "600.000 VND" in html and "400.000 VND" in html
