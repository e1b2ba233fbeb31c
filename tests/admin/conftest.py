"""A row of every model the admin shows, on top of the demo story (`seed_demo`)."""

from __future__ import annotations

import datetime as dt

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.models import User
from django.core.management import call_command
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from declarations.fees.models import Fee, Payment
from declarations.models import Declaration, ReviewTarget
from queueing.kiosk.models import GateEvent
from queueing.kiosk.services import device_create
from queueing.models import CapacityOverride, Slot, WaitlistEntry
from queueing.simulation.models import Scenario
from vehicles.models import Gate


def missing_models() -> list[str]:
    return [m._meta.label for m in admin.site._registry if not m._default_manager.exists()]


def fill_every_admin_model() -> None:
    """What the demo story does not make: one row each, plain data in Vietnamese."""
    gate = Gate.objects.get(code="HUU_NGHI")
    ReviewTarget.objects.get_or_create(gate=gate, agency="customs", defaults={"hours": 2})
    fee = Fee.objects.select_related("declaration").first()
    if fee is not None and not Payment.objects.exists():
        Payment.objects.create(
            fee=fee, gate=fee.declaration.gate, method="cash", amount=fee.amount,
            reference="BL-0001", provider_txn_id="cash:BL-0001",
        )  # fmt: skip
    CapacityOverride.objects.get_or_create(
        gate=gate, date=timezone.localdate() + dt.timedelta(days=30), kind="closed",
        defaults={"reason": "Nghỉ lễ"},
    )  # fmt: skip
    declaration = Declaration.objects.order_by("pk").first()
    slot = Slot.objects.filter(gate=gate).order_by("start").last()
    if declaration and slot and not WaitlistEntry.objects.exists():
        WaitlistEntry.objects.create(slot=slot, declaration=declaration, company=declaration.company)
    device, _key = device_create(gate=gate, lane="1", name="Làn 1")
    GateEvent.objects.create(
        gate=gate, device=device, lane="1", raw="12C-123.45", plate_canonical="12C12345",
        verdict="deny", reason_code="no_booking", reason="Không có lịch đặt",
    )  # fmt: skip
    admin_user = User.objects.get(username="demo-admin")
    Token.objects.get_or_create(user=admin_user)
    # The security libraries' rows: a lockout, a sign-in, a failed sign-in, a second factor.
    who = {"username": "demo-customs", "ip_address": "203.0.113.7", "user_agent": "Mozilla/5.0",
           "http_accept": "text/html", "path_info": "/admin/login/"}  # fmt: skip
    AccessAttempt.objects.create(
        **who, get_data="", post_data="username=demo-customs", failures_since_start=5
    )
    AccessFailureLog.objects.create(**who, locked_out=True)
    AccessLog.objects.create(**who, session_hash="0" * 64)
    TOTPDevice.objects.create(user=admin_user, name="Điện thoại", confirmed=True)
    Scenario.objects.create(name="Thêm một làn", gate=gate.code, params={}, created_by=admin_user)
    assert missing_models() == []


@pytest.fixture
def demo(settings, tmp_path):  # type: ignore[no-untyped-def]
    """The demo story, and a row of every admin model, so that every change page exists."""
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo", verbosity=0)
    fill_every_admin_model()
