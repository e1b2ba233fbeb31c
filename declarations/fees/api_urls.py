"""Fees API. The declaration paths sit under the declarations prefix; declarations.api_urls is
tried first and does not match ".../fee/", so they fall through to here (tested)."""

from django.urls import path

from . import api

urlpatterns = [
    path("declarations/<int:pk>/fee/", api.FeeView.as_view(), name="api-fee"),
    path("declarations/<int:pk>/fee/qr.png", api.FeeQrView.as_view(), name="api-fee-qr"),
    path("declarations/<int:pk>/fee/cash/", api.FeeCashView.as_view(), name="api-fee-cash"),
    path(
        "declarations/<int:pk>/fee/confirm-transfer/",
        api.FeeConfirmTransferView.as_view(),
        name="api-fee-confirm-transfer",
    ),
    path("declarations/<int:pk>/fee/refund/", api.FeeRefundView.as_view(), name="api-fee-refund"),
    path("fees/callback/sandbox/", api.SandboxCallbackView.as_view(), name="api-fee-callback-sandbox"),
    path("fees/collected/", api.CollectedView.as_view(), name="api-fees-collected"),
]
