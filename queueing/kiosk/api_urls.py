from django.urls import path

from . import api

urlpatterns = [
    path("kiosk/scan/", api.ScanView.as_view(), name="kiosk-scan"),
    path("kiosk/actions/", api.ActionView.as_view(), name="kiosk-actions"),
]
