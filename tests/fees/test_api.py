from __future__ import annotations

import json

import pytest
from django.urls import resolve

from declarations.fees import api
from declarations.fees.models import FeeState, Payment
from declarations.fees.providers import Sandbox
from declarations.fees.services import fee_assess
from declarations.models import Declaration
from declarations.vietqr import parse_emv
from tests import factories

from .conftest import make_declaration

pytestmark = pytest.mark.django_db


def url(declaration: Declaration, tail: str = "") -> str:
    return f"/api/v1/declarations/{declaration.pk}/fee/{tail}"


@pytest.fixture
def cancelled_paid(declaration_with_fee, gate_staff):  # type: ignore[no-untyped-def]
    from declarations.fees.services import payment_record_cash

    payment_record_cash(fee=declaration_with_fee.fee, amount=1_000_000, receipt_number="R1", staff=gate_staff)
    Declaration.objects.filter(pk=declaration_with_fee.pk).update(state="cancelled")
    return declaration_with_fee


# --- the fee and its code -----------------------------------------------------------------------
def test_fee_paths_resolve_to_the_fees_views():
    assert resolve("/api/v1/declarations/7/fee/").func.view_class is api.FeeView
    assert resolve("/api/v1/declarations/7/fee/qr.png").func.view_class is api.FeeQrView
    assert resolve("/api/v1/declarations/7/fee/cash/").func.view_class is api.FeeCashView
    assert (
        resolve("/api/v1/declarations/7/fee/confirm-transfer/").func.view_class is api.FeeConfirmTransferView
    )


def test_the_owner_sees_the_fee_with_its_breakdown_and_vietqr(api_client, owner, declaration_with_fee):
    api_client.force_authenticate(owner)
    response = api_client.get(url(declaration_with_fee))
    assert response.status_code == 200
    body = response.json()
    assert body["amount"] == 1_000_000 and isinstance(body["amount"], int)
    assert body["currency"] == "VND" and body["state"] == "unpaid"
    assert body["breakdown"] == [
        {
            "key": "bulk_10_15t",
            "label": "Goods over 10 t up to 15 t",
            "detail": "12000 kg",
            "amount": 1_000_000,
        }
    ]
    emv = parse_emv(body["vietqr"])  # raises on a wrong CRC
    gate = declaration_with_fee.gate
    assert emv["54"] == "1000000" and emv["53"] == "704"
    assert emv["38"]["01"] == {"00": gate.bank_bin, "01": gate.bank_account}
    assert emv["62"]["08"] == declaration_with_fee.number


def test_a_multiplier_shows_as_a_factor(api_client, owner, company):
    declaration = make_declaration(
        company=company, delivery_mode="wharf_transship", cargo=[("40011000", 12000)]
    )
    fee_assess(declaration=declaration)
    api_client.force_authenticate(owner)
    breakdown = api_client.get(url(declaration)).json()["breakdown"]
    assert breakdown[1] == {
        "key": "wharf_transship",
        "label": "Transshipped at the wharf only",
        "factor": 0.3,
        "percent": 30,
    }


def test_the_breakdown_labels_follow_the_callers_language(api_client, owner, declaration_with_fee):
    from django.utils import translation

    api_client.force_authenticate(owner)
    with translation.override("vi"):
        label = api_client.get(url(declaration_with_fee), HTTP_ACCEPT_LANGUAGE="vi").json()["breakdown"][0][
            "label"
        ]
    assert label == "Hàng hóa trên 10 tấn đến 15 tấn"  # locale/vi, not the English label nor the key
    chinese = api_client.get(url(declaration_with_fee), HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert chinese["breakdown"][0]["label"] == "10 吨以上至 15 吨货物"


@pytest.mark.parametrize("persona", ["customs_officer", "gate_staff", "gate_manager"])
def test_people_working_at_the_gate_see_the_fee(api_client, persona, declaration_with_fee, request):
    api_client.force_authenticate(request.getfixturevalue(persona))
    response = api_client.get(url(declaration_with_fee))
    assert response.status_code == 200
    body = response.json()
    # 12 t of goods: over 10 t up to 15 t, 1,000,000 VND, not paid yet
    assert (body["amount"], body["currency"], body["state"]) == (1_000_000, "VND", "unpaid")
    assert [(line["key"], line["amount"]) for line in body["breakdown"]] == [("bulk_10_15t", 1_000_000)]


@pytest.mark.parametrize("persona", ["other_owner", "stranger", "officer_of_another_gate"])
def test_anyone_else_gets_404(api_client, persona, declaration_with_fee, request):
    if persona == "officer_of_another_gate":
        user = factories.staff_user("customs", "customs", gates=["CHI_MA"])
    else:
        user = request.getfixturevalue(persona)
    api_client.force_authenticate(user)
    assert api_client.get(url(declaration_with_fee)).status_code == 404
    assert api_client.get(url(declaration_with_fee, "qr.png")).status_code == 404


def test_anonymous_callers_are_refused(api_client, declaration_with_fee):
    assert api_client.get(url(declaration_with_fee)).status_code == 401


def test_unknown_declaration_and_declaration_without_fee_are_404(api_client, owner, company):
    api_client.force_authenticate(owner)
    draft = make_declaration(company=company, cargo=[("40011000", 12000)])
    assert api_client.get("/api/v1/declarations/999999/fee/").status_code == 404
    response = api_client.get(url(draft))
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_the_fee_is_read_only(api_client, owner, declaration_with_fee):
    api_client.force_authenticate(owner)
    assert api_client.post(url(declaration_with_fee), {}).status_code == 405
    assert api_client.delete(url(declaration_with_fee)).status_code == 405


def test_qr_png_is_a_png_whatever_the_accept_header(api_client, owner, declaration_with_fee):
    api_client.force_authenticate(owner)
    for accept in ("application/json", "text/html", "*/*", "image/png"):
        response = api_client.get(url(declaration_with_fee, "qr.png"), HTTP_ACCEPT=accept)
        assert response.status_code == 200, accept
        assert response["Content-Type"] == "image/png"
        assert response.content[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_paid_fee_has_no_code_to_scan(api_client, owner, gate_staff, declaration_with_fee):
    api_client.force_authenticate(gate_staff)
    api_client.post(
        url(declaration_with_fee, "cash/"), {"amount": 1_000_000, "receipt_number": "R1"}, format="json"
    )
    api_client.force_authenticate(owner)
    body = api_client.get(url(declaration_with_fee)).json()
    assert body["state"] == "paid" and body["vietqr"] is None
    assert api_client.get(url(declaration_with_fee, "qr.png")).status_code == 409


# --- cash and transfer at the gate ---------------------------------------------------------------
def test_gate_staff_record_cash_through_the_api(api_client, gate_staff, declaration_with_fee):
    api_client.force_authenticate(gate_staff)
    body = {"amount": 1_000_000, "receipt_number": "HN-77"}
    response = api_client.post(url(declaration_with_fee, "cash/"), body, format="json")
    assert response.status_code == 201
    assert response.json()["state"] == "paid"
    assert response.json()["payment"]["method"] == "cash"
    again = api_client.post(url(declaration_with_fee, "cash/"), body, format="json")
    assert again.status_code == 200 and again.json()["payment"]["id"] == response.json()["payment"]["id"]
    assert Payment.objects.count() == 1


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"amount": "abc", "receipt_number": "R"},
        {"amount": 1_000_000},
        {"amount": -5, "receipt_number": "R"},
    ],
)
def test_bad_cash_input_is_400_and_records_nothing(api_client, gate_staff, declaration_with_fee, body):
    api_client.force_authenticate(gate_staff)
    response = api_client.post(url(declaration_with_fee, "cash/"), body, format="json")
    assert response.status_code == 400 and "code" in response.json()
    assert not Payment.objects.exists()


def test_a_wrong_cash_amount_is_400(api_client, gate_staff, declaration_with_fee):
    api_client.force_authenticate(gate_staff)
    response = api_client.post(
        url(declaration_with_fee, "cash/"), {"amount": 5, "receipt_number": "R"}, format="json"
    )
    assert response.status_code == 400 and response.json()["code"] == "wrong_amount"


def test_the_owner_cannot_record_cash_for_itself(api_client, owner, declaration_with_fee):
    api_client.force_authenticate(owner)
    response = api_client.post(
        url(declaration_with_fee, "cash/"), {"amount": 1_000_000, "receipt_number": "R"}, format="json"
    )
    assert response.status_code == 403
    assert not Payment.objects.exists()


def test_another_company_cannot_even_find_the_fee_to_pay(api_client, other_owner, declaration_with_fee):
    api_client.force_authenticate(other_owner)
    response = api_client.post(
        url(declaration_with_fee, "cash/"), {"amount": 1_000_000, "receipt_number": "R"}, format="json"
    )
    assert response.status_code == 404


def test_a_second_payment_is_409(api_client, gate_staff, declaration_with_fee):
    api_client.force_authenticate(gate_staff)
    api_client.post(
        url(declaration_with_fee, "cash/"), {"amount": 1_000_000, "receipt_number": "R1"}, format="json"
    )
    response = api_client.post(
        url(declaration_with_fee, "confirm-transfer/"), {"reference": "FT99"}, format="json"
    )
    assert response.status_code == 409
    assert Payment.objects.count() == 1


def test_a_manager_confirms_a_transfer_through_the_api(api_client, gate_manager, declaration_with_fee):
    api_client.force_authenticate(gate_manager)
    response = api_client.post(
        url(declaration_with_fee, "confirm-transfer/"), {"reference": "FT2511"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["payment"] | {"created": None} == {
        "id": Payment.objects.get().pk,
        "kind": "payment",
        "method": "bank_transfer",
        "amount": 1_000_000,
        "reference": "FT2511",
        "created": None,
    }


def test_confirming_a_transfer_needs_a_reference(api_client, gate_manager, declaration_with_fee):
    api_client.force_authenticate(gate_manager)
    assert (
        api_client.post(url(declaration_with_fee, "confirm-transfer/"), {}, format="json").status_code == 400
    )


# --- refunds ----------------------------------------------------------------------------------------
def test_a_manager_refunds_a_cancelled_declaration_through_the_api(api_client, gate_manager, cancelled_paid):
    api_client.force_authenticate(gate_manager)
    response = api_client.post(
        url(cancelled_paid, "refund/"), {"reason": "Trip cancelled by the company"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["state"] == "refunded"
    assert response.json()["refund"]["kind"] == "refund"


def test_a_refund_without_a_reason_is_400(api_client, gate_manager, cancelled_paid):
    api_client.force_authenticate(gate_manager)
    assert api_client.post(url(cancelled_paid, "refund/"), {"reason": ""}, format="json").status_code == 400


def test_gate_staff_cannot_refund(api_client, gate_staff, cancelled_paid):
    api_client.force_authenticate(gate_staff)
    assert api_client.post(url(cancelled_paid, "refund/"), {"reason": "x"}, format="json").status_code == 403


# --- the sandbox callback ------------------------------------------------------------------------------
CALLBACK = "/api/v1/fees/callback/sandbox/"


def post_callback(client, body: bytes, signature: str | None):  # type: ignore[no-untyped-def]
    headers = {"HTTP_X_SANDBOX_SIGNATURE": signature} if signature is not None else {}
    return client.post(CALLBACK, data=body, content_type="application/json", **headers)


def event(declaration: Declaration, txn: str = "SBX-1", amount: int = 1_000_000) -> bytes:
    return json.dumps({"txn_id": txn, "reference": declaration.number, "amount": amount}).encode()


def test_a_signed_callback_pays_the_fee(client, declaration_with_fee):
    body = event(declaration_with_fee)
    response = post_callback(client, body, Sandbox.sign(body))
    assert response.status_code == 201
    assert response.json()["created"] is True and response.json()["state"] == "paid"
    declaration_with_fee.fee.refresh_from_db()
    assert declaration_with_fee.fee.state == FeeState.PAID
    assert Payment.objects.get().provider_txn_id == "sandbox:SBX-1"


def test_the_same_transaction_twice_records_one_payment(client, declaration_with_fee):
    body = event(declaration_with_fee)
    first = post_callback(client, body, Sandbox.sign(body))
    second = post_callback(client, body, Sandbox.sign(body))
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json()["payment"] == first.json()["payment"] and second.json()["created"] is False
    assert Payment.objects.count() == 1


def test_another_transaction_for_a_paid_fee_is_409_and_records_nothing(client, declaration_with_fee):
    body = event(declaration_with_fee)
    post_callback(client, body, Sandbox.sign(body))
    other = event(declaration_with_fee, txn="SBX-2")
    assert post_callback(client, other, Sandbox.sign(other)).status_code == 409
    assert Payment.objects.count() == 1


@pytest.mark.parametrize(
    "forge",
    [
        lambda body: None,  # no header
        lambda body: "",
        lambda body: "sha256=" + "0" * 64,
        lambda body: Sandbox.sign(body, secret="not-the-secret"),
        lambda body: Sandbox.sign(body)[len("sha256=") :],  # no scheme
        lambda body: Sandbox.sign(body.replace(b"1000000", b"1000")),  # signed another body
    ],
    ids=["missing", "empty", "zeros", "wrong-secret", "no-scheme", "other-body"],
)
def test_a_forged_callback_is_rejected_and_records_nothing(client, declaration_with_fee, forge):
    body = event(declaration_with_fee)
    response = post_callback(client, body, forge(body))
    assert response.status_code == 403
    assert response.json()["code"] == "bad_signature"
    assert not Payment.objects.exists()
    declaration_with_fee.fee.refresh_from_db()
    assert declaration_with_fee.fee.state == FeeState.UNPAID


def test_a_tampered_amount_with_the_old_signature_is_rejected(client, declaration_with_fee):
    honest = event(declaration_with_fee, amount=1_000)
    tampered = event(declaration_with_fee, amount=1_000_000)
    assert post_callback(client, tampered, Sandbox.sign(honest)).status_code == 403
    assert not Payment.objects.exists()


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"not json", 400),
        (b"[]", 400),
        (b'{"txn_id": "X", "reference": "TK0000001"}', 400),
        (b'{"txn_id": "X", "reference": "TK0000001", "amount": "100"}', 400),
        (b'{"txn_id": "X", "reference": "nobody", "amount": 100}', 404),
    ],
)
def test_a_signed_but_bad_callback_is_rejected(client, declaration_with_fee, body, status):
    assert post_callback(client, body, Sandbox.sign(body)).status_code == status
    assert not Payment.objects.exists()


def test_a_signed_callback_with_the_wrong_amount_is_400(client, declaration_with_fee):
    body = event(declaration_with_fee, amount=999_000)
    assert post_callback(client, body, Sandbox.sign(body)).status_code == 400
    assert not Payment.objects.exists()


def test_the_callback_only_takes_post(client):
    assert client.get(CALLBACK).status_code == 405


def test_the_callback_secret_comes_from_settings(client, declaration_with_fee, settings):
    settings.FEE_CALLBACK_SECRET = "rotated"
    body = event(declaration_with_fee)
    assert (
        post_callback(client, body, Sandbox.sign(body, secret="sandbox-callback-secret")).status_code == 403
    )
    assert post_callback(client, body, Sandbox.sign(body, secret="rotated")).status_code == 201


# --- fees collected per gate and day -------------------------------------------------------------------
def test_staff_see_fees_collected_per_gate_and_day(
    api_client, gate_staff, gate_manager, cancelled_paid, company
):
    from declarations.fees.selectors import today_at_gates
    from declarations.fees.services import fee_refund, payment_record_cash

    other = make_declaration(company=company, cargo=[("08109050", 1500)], gate="TAN_THANH")
    payment_record_cash(
        fee=fee_assess(declaration=other), amount=100_000, receipt_number="T1", staff=gate_staff
    )
    fee_refund(fee=cancelled_paid.fee, reason="cancelled", manager=gate_manager)

    api_client.force_authenticate(gate_staff)
    response = api_client.get("/api/v1/fees/collected/")
    assert response.status_code == 200
    body = response.json()
    assert body["date"] == today_at_gates().isoformat() and body["currency"] == "VND"
    rows = {row["gate"]: row for row in body["results"]}
    assert set(rows) == {"HUU_NGHI", "TAN_THANH", "CHI_MA", "COC_NAM"}
    assert rows["HUU_NGHI"] | {"date": None} == {
        "gate": "HUU_NGHI",
        "date": None,
        "payments": 1,
        "collected": 1_000_000,
        "refunds": 1,
        "refunded": 1_000_000,
        "net": 0,
    }
    assert (rows["TAN_THANH"]["collected"], rows["TAN_THANH"]["net"]) == (100_000, 100_000)
    assert rows["CHI_MA"]["collected"] == 0

    one = api_client.get("/api/v1/fees/collected/?gate=TAN_THANH").json()["results"]
    assert [r["gate"] for r in one] == ["TAN_THANH"]
    empty = api_client.get("/api/v1/fees/collected/?date=2020-01-01").json()["results"]
    assert sum(r["collected"] for r in empty) == 0


def test_collected_fees_refuse_operators_and_bad_input(api_client, owner, gate_staff):
    api_client.force_authenticate(owner)
    assert api_client.get("/api/v1/fees/collected/").status_code == 403
    api_client.force_authenticate(gate_staff)
    assert api_client.get("/api/v1/fees/collected/?date=yesterday").status_code == 400
    assert api_client.get("/api/v1/fees/collected/?gate=NOWHERE").status_code == 404
    api_client.force_authenticate(None)
    assert api_client.get("/api/v1/fees/collected/").status_code == 401


def test_a_gate_without_usable_bank_details_shows_no_code_but_the_fee(
    api_client, owner, declaration_with_fee
):
    gate = declaration_with_fee.gate
    gate.bank_account = "001 100 1234"  # spaces: VietQR refuses it
    gate.save()
    api_client.force_authenticate(owner)
    response = api_client.get(url(declaration_with_fee))
    assert response.status_code == 200
    assert response.json()["vietqr"] is None and response.json()["amount"] == 1_000_000
    assert api_client.get(url(declaration_with_fee, "qr.png")).status_code == 409


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1999-12-31", "3000-01-01"])
def test_a_day_outside_the_calendar_the_gates_keep_is_400_not_a_crash(api_client, gate_staff, day):
    api_client.force_authenticate(gate_staff)
    response = api_client.get(f"/api/v1/fees/collected/?date={day}")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_a_signed_callback_naming_an_impossible_declaration_number_is_404(client, declaration_with_fee):
    body = json.dumps({"txn_id": "SBX-9", "reference": "TK" + "9" * 30, "amount": 1_000_000}).encode()
    response = post_callback(client, body, Sandbox.sign(body))
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert not Payment.objects.exists()


def test_the_cash_reply_is_the_fee_as_it_now_is_and_costs_no_needless_reads(
    api_client, gate_staff, declaration_with_fee, django_assert_max_num_queries
):
    # The reply is built from the fee the service changed under its lock (no re-read of the fee
    # or its declaration), the fee comes with the declaration, the payment takes no savepoint,
    # and the receipt's unique key is the insert's to check (no read of the payments first).
    api_client.force_authenticate(gate_staff)
    body = {"amount": 1_000_000, "receipt_number": "HN-78"}
    with django_assert_max_num_queries(13) as captured:
        response = api_client.post(url(declaration_with_fee, "cash/"), body, format="json")
    assert response.status_code == 201
    sql = [q["sql"] for q in captured.captured_queries]
    assert sum('FROM "fees_fee"' in q for q in sql) == 1  # the locked read
    assert sum(q.startswith("SAVEPOINT") for q in sql) == 1
    locked = next(i for i, q in enumerate(sql) if 'FROM "fees_fee"' in q)
    assert sql[locked + 1].startswith('INSERT INTO "fees_payment"')
    assert not any(q.startswith('SELECT "fees_payment"') for q in sql)
    again = api_client.post(url(declaration_with_fee, "cash/"), body, format="json")
    assert again.status_code == 200
    shown = api_client.get(url(declaration_with_fee)).json()
    for reply in (response.json(), again.json()):
        assert {k: v for k, v in reply.items() if k != "payment"} == shown
    assert response.json()["payment"] == again.json()["payment"]
