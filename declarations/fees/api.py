"""The fees API: a declaration's fee and its VietQR code, payments at the gate, the sandbox
callback, refunds, and fees collected per gate and day. Thin: every write is one service call."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cuakhau.errors import Conflict, DomainError, NotAllowed, NotFound
from cuakhau.negotiation import IgnoreAccept
from cuakhau.qr import qr_png
from vehicles.models import Gate
from vehicles.selectors import gate_ids_for_user

from . import services
from .models import Fee, FeeState, Payment, PaymentKind, PaymentMethod
from .providers import SIGNATURE_HEADER
from .selectors import (
    declaration_for_fee,
    fee_breakdown_lines,
    fee_for_declaration,
    fees_collected,
    parse_gate_day,
    today_at_gates,
    user_is_cashier,
    vietqr_for_fee,
)


def fee_data(fee: Fee) -> dict[str, Any]:
    """The fee as the API and the portal show it; `amount` is a JSON integer of VND."""
    declaration = fee.declaration
    return {
        "declaration": declaration.pk,
        "number": declaration.number,
        "amount": int(fee.amount),
        "currency": "VND",
        "breakdown": [
            {k: v for k, v in line.items() if k in ("key", "label", "detail", "amount", "factor", "percent")}
            for line in fee_breakdown_lines(fee)
        ],
        "state": fee.state,
        "reference": declaration.number,
        "vietqr": vietqr_for_fee(fee),
        "resolution": fee.resolution,
        "computed_at": fee.computed_at,
        "paid_at": fee.paid_at,
        "refunded_at": fee.refunded_at,
    }


def payment_data(payment: Payment) -> dict[str, Any]:
    return {
        "id": payment.pk,
        "kind": payment.kind,
        "method": payment.method,
        "amount": int(payment.amount),
        "reference": payment.reference,
        "created": payment.created,
    }


# The shapes below only describe fee_data() and friends in the OpenAPI schema; the views build
# their JSON by hand, so keep these in step with those functions.
_FEE_FIELDS: dict[str, serializers.Field] = {
    "declaration": serializers.IntegerField(),
    "number": serializers.CharField(),
    "amount": serializers.IntegerField(help_text="Whole VND."),
    "currency": serializers.ChoiceField(choices=["VND"]),
    "breakdown": inline_serializer(
        "FeeLine",
        fields={
            "key": serializers.CharField(),
            "label": serializers.CharField(),
            "detail": serializers.CharField(required=False, help_text="What the base rate was applied to."),
            "amount": serializers.IntegerField(required=False, help_text="VND (base rates and rounding)."),
            "factor": serializers.FloatField(required=False, help_text="Multiplier lines, e.g. 1.3."),
            "percent": serializers.IntegerField(required=False, help_text="The factor in percent, e.g. 130."),
        },
        many=True,
    ),
    "state": serializers.ChoiceField(choices=FeeState.choices),
    "reference": serializers.CharField(help_text="The transfer reference: the declaration number."),
    "vietqr": serializers.CharField(
        allow_null=True, help_text="EMVCo VietQR payload; null when nothing is to be paid by transfer."
    ),
    "resolution": serializers.CharField(allow_blank=True),
    "computed_at": serializers.DateTimeField(),
    "paid_at": serializers.DateTimeField(allow_null=True),
    "refunded_at": serializers.DateTimeField(allow_null=True),
}

PaymentOut = inline_serializer(
    "FeePayment",
    fields={
        "id": serializers.IntegerField(),
        "kind": serializers.ChoiceField(choices=PaymentKind.choices),
        "method": serializers.ChoiceField(choices=PaymentMethod.choices),
        "amount": serializers.IntegerField(help_text="Whole VND."),
        "reference": serializers.CharField(allow_blank=True),
        "created": serializers.DateTimeField(),
    },
)

FeeOut = inline_serializer("Fee", fields=_FEE_FIELDS)
FeePaidOut = inline_serializer("FeePaid", fields={**_FEE_FIELDS, "payment": PaymentOut})
FeeRefundedOut = inline_serializer("FeeRefunded", fields={**_FEE_FIELDS, "refund": PaymentOut})

SandboxCallbackOut = inline_serializer(
    "SandboxCallbackResult",
    fields={
        "payment": serializers.IntegerField(),
        "created": serializers.BooleanField(help_text="False when this txn_id was recorded before."),
        "state": serializers.ChoiceField(choices=FeeState.choices),
    },
)

PNG = {(200, "image/png"): OpenApiTypes.BINARY}


def _fee_of(request: Request, pk: int) -> Fee:
    declaration = declaration_for_fee(user=request.user, declaration_id=pk)
    fee = fee_for_declaration(declaration)
    if fee is None:
        raise NotFound(
            _("This declaration has no fee yet: it is computed when the declaration is submitted.")
        )
    return fee


class FeeView(APIView):
    """GET the fee of a declaration: amount, breakdown, state and the VietQR payload."""

    @extend_schema(responses=FeeOut)
    def get(self, request: Request, pk: int) -> Response:
        return Response(fee_data(_fee_of(request, pk)))


class FeeQrView(APIView):
    """GET the VietQR payload as a PNG QR code; 409 when there is nothing to pay."""

    content_negotiation_class = IgnoreAccept

    @extend_schema(
        responses={
            **PNG,
            409: OpenApiResponse(description="Nothing to pay by transfer (paid, refunded or zero)."),
        }
    )
    def get(self, request: Request, pk: int) -> HttpResponse:
        fee = _fee_of(request, pk)
        payload = vietqr_for_fee(fee)
        if payload is None:
            raise Conflict(_("There is nothing to pay by transfer for this fee."), code="nothing_to_pay")
        response = HttpResponse(qr_png(payload, box_size=8), content_type="image/png")
        response["Cache-Control"] = "private, no-store"
        return response


class CashSerializer(serializers.Serializer):
    amount = serializers.IntegerField(min_value=1)
    receipt_number = serializers.CharField(max_length=80)


class TransferSerializer(serializers.Serializer):
    reference = serializers.CharField(max_length=80)
    amount = serializers.IntegerField(min_value=1, required=False)


class RefundSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


def _paid_response(payment: Payment, was_unpaid: bool) -> Response:
    # The payment's fee is the one the service read under its lock and changed: as it now is.
    fee = payment.fee
    return Response(
        {**fee_data(fee), "payment": payment_data(payment)},
        status=status.HTTP_201_CREATED if was_unpaid else status.HTTP_200_OK,
    )


class FeeCashView(APIView):
    """POST {amount, receipt_number}: gate staff took the fee in cash (kiosk)."""

    @extend_schema(request=CashSerializer, responses={201: FeePaidOut, 200: FeePaidOut})
    def post(self, request: Request, pk: int) -> Response:
        fee = _fee_of(request, pk)
        data = _valid(CashSerializer, request)
        was_unpaid = fee.state == FeeState.UNPAID
        payment = services.payment_record_cash(
            fee=fee, amount=data["amount"], receipt_number=data["receipt_number"], staff=request.user
        )
        return _paid_response(payment, was_unpaid)


class FeeConfirmTransferView(APIView):
    """POST {reference, amount?}: staff or a manager confirms a bank transfer arrived."""

    @extend_schema(request=TransferSerializer, responses={201: FeePaidOut, 200: FeePaidOut})
    def post(self, request: Request, pk: int) -> Response:
        fee = _fee_of(request, pk)
        data = _valid(TransferSerializer, request)
        was_unpaid = fee.state == FeeState.UNPAID
        payment = services.payment_confirm_transfer(
            fee=fee, reference=data["reference"], amount=data.get("amount"), staff=request.user
        )
        return _paid_response(payment, was_unpaid)


class FeeRefundView(APIView):
    """POST {reason}: a gate manager refunds the paid fee of a declaration that ended without a
    trip (cancelled, rejected or expired)."""

    @extend_schema(request=RefundSerializer, responses={201: FeeRefundedOut})
    def post(self, request: Request, pk: int) -> Response:
        fee = _fee_of(request, pk)
        data = _valid(RefundSerializer, request)
        refund = services.fee_refund(fee=fee, reason=data["reason"], manager=request.user)
        fee.refresh_from_db()
        return Response({**fee_data(fee), "refund": payment_data(refund)}, status=status.HTTP_201_CREATED)


class SandboxCallbackView(APIView):
    """POST from the sandbox provider, signed: `X-Sandbox-Signature: sha256=<hex HMAC-SHA256 of
    the raw body with FEE_CALLBACK_SECRET>`; body {txn_id, reference, amount}."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @extend_schema(
        # The view verifies the signature over the raw body itself; this only documents it.
        request=inline_serializer(
            "SandboxCallback",
            fields={
                "txn_id": serializers.CharField(max_length=100),
                "reference": serializers.CharField(help_text="The declaration number."),
                "amount": serializers.IntegerField(min_value=1, help_text="Whole VND."),
            },
        ),
        parameters=[
            OpenApiParameter(
                SIGNATURE_HEADER,
                str,
                OpenApiParameter.HEADER,
                required=True,
                description="sha256=<hex HMAC-SHA256 of the raw body with FEE_CALLBACK_SECRET>",
            )
        ],
        responses={201: SandboxCallbackOut, 200: SandboxCallbackOut},
    )
    def post(self, request: Request) -> Response:
        payment, created = services.payment_sandbox_callback(
            body=request.body, signature=request.headers.get(SIGNATURE_HEADER)
        )
        return Response(
            {"payment": payment.pk, "created": created, "state": Fee.objects.get(pk=payment.fee_id).state},
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class CollectedView(APIView):
    """GET ?gate=CODE&date=YYYY-MM-DD: fees collected per gate on a day (gate staff, managers)."""

    @extend_schema(
        parameters=[
            OpenApiParameter("gate", str, description="A gate code; all the caller's gates if absent."),
            OpenApiParameter("date", OpenApiTypes.DATE, description="Default: today at the gates."),
        ],
        responses=inline_serializer(
            "FeesCollected",
            fields={
                "date": serializers.DateField(),
                "currency": serializers.ChoiceField(choices=["VND"]),
                "results": inline_serializer(
                    "FeesCollectedRow",
                    fields={
                        "gate": serializers.CharField(),
                        "date": serializers.DateField(),
                        "payments": serializers.IntegerField(),
                        "collected": serializers.IntegerField(help_text="Whole VND."),
                        "refunds": serializers.IntegerField(),
                        "refunded": serializers.IntegerField(help_text="Whole VND."),
                        "net": serializers.IntegerField(help_text="collected − refunded, whole VND."),
                    },
                    many=True,
                ),
            },
        ),
    )
    def get(self, request: Request) -> Response:
        user = request.user
        if not user_is_cashier(user):
            raise NotAllowed(_("Only gate staff and managers see the fees collected."))
        gates = Gate.objects.filter(id__in=gate_ids_for_user(user)).order_by("code")
        code = request.query_params.get("gate")
        if code:
            gates = gates.filter(code=code)
            if not gates.exists():
                raise NotFound(_("Unknown gate %(code)s.") % {"code": code})
        day = _date_param(request.query_params.get("date"))
        table = fees_collected(gates=gates, date_from=day, date_to=day)
        results = [table.for_gate(g.code, day) for g in gates]
        return Response({"date": day, "currency": "VND", "results": results})


def _date_param(value: str | None) -> dt.date:
    if not value:
        return today_at_gates()
    try:
        return parse_gate_day(value)
    except ValueError:
        raise DomainError(_("date must be YYYY-MM-DD, between 2000 and 2999."), code="invalid")


def _valid(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
