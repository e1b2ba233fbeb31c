"""The kiosk API: scans and actions, for cameras (device key) and gate staff (session/token).

Thin: parse, fetch-and-authorise the gate (`services.kiosk_gate`), call one service, shape the
reply. `Authorization: Api-Key <key>` names a Device; its key works at its own gate only.
"""

from __future__ import annotations

import functools
import re
import zoneinfo
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authentication import BaseAuthentication, SessionAuthentication, TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cuakhau.security.throttles import SharedScopedRateThrottle
from queueing.models import Booking
from vehicles.models import Gate

from . import services
from .models import Actions, Device, Verdicts
from .selectors import board_for_gate


class DevicePrincipal:
    """What `request.user` is for a device: authenticated, no person, no permissions."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False

    def __init__(self, device: Device) -> None:
        self.device = device
        self.pk = self.id = f"device-{device.pk}"  # the throttle's identity

    def __str__(self) -> str:
        return self.device.label

    def has_perm(self, *args: Any) -> bool:
        return False


class DeviceKeyAuthentication(BaseAuthentication):
    """`Authorization: Api-Key <key>`; the key is compared with its stored SHA-256 hash."""

    keyword = "Api-Key"

    def authenticate(self, request: Request) -> tuple[DevicePrincipal, Device] | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        keyword, _sep, key = header.partition(" ")
        if keyword.lower() != self.keyword.lower():
            return None
        device = services.device_for_key(key.strip())
        if device is None:
            raise AuthenticationFailed(_("Invalid or inactive device key."))
        services.device_touch(device=device)
        return DevicePrincipal(device), device

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class DeviceKeyScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI schema names the device key."""

    target_class = DeviceKeyAuthentication
    name = "deviceKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Api-Key <key>`: the key `create_device` printed (bound to one gate).",
        }


class IsDeviceOrGateStaff(BasePermission):
    """A device, or a signed-in person; which gate they may work at is the service's check."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return isinstance(request.auth, Device) or bool(request.user and request.user.is_authenticated)


def _actor(request: Request) -> dict[str, Any]:
    if isinstance(request.auth, Device):
        return {"device": request.auth, "staff": None}
    return {"device": None, "staff": request.user}


class KioskAPIView(APIView):
    authentication_classes = [DeviceKeyAuthentication, TokenAuthentication, SessionAuthentication]
    permission_classes = [IsDeviceOrGateStaff]
    throttle_classes = [SharedScopedRateThrottle]
    throttle_scope = "kiosk"


class ScanIn(serializers.Serializer):
    gate = serializers.CharField(max_length=20)
    lane = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    plate = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    ticket = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    read = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        help_text="What a scanner read when it may be a plate or a ticket (the kiosk page sends this).",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not (attrs["plate"].strip() or attrs["ticket"].strip() or attrs["read"].strip()):
            raise serializers.ValidationError(_("Send a plate or a ticket."))
        if attrs["plate"].strip() and attrs["read"].strip():
            raise serializers.ValidationError(_("Send either plate or read, not both."))
        return attrs


_SCAN_LIMITS = {"gate": 20, "lane": 20, "plate": 200, "ticket": 200, "read": 200}
_NOT_PLAIN = re.compile("[\x00\ud800-\udfff]")  # what DRF's CharField refuses in a string


def scan_params(data: Any) -> dict[str, str]:
    """ScanIn's validated data. A camera's usual body (short strings, a gate, one read) is taken
    as it is — the same values ScanIn would give, without building a serializer per scan; any
    other body goes through ScanIn, which gives the 400 and its messages."""
    if isinstance(data, dict) and all(isinstance(data.get(k, ""), str) for k in _SCAN_LIMITS):
        params = {k: data.get(k, "").strip() for k in _SCAN_LIMITS}
        if (
            params["gate"]
            and all(len(params[k]) <= limit for k, limit in _SCAN_LIMITS.items())
            and (params["plate"] or params["ticket"] or params["read"])
            and not (params["plate"] and params["read"])
            and not any(_NOT_PLAIN.search(v) for v in params.values())
        ):
            return params
    serializer = ScanIn(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class ScanOut(serializers.Serializer):
    """The scan reply (documentation of its shape; built by `scan_payload`)."""

    verdict = serializers.ChoiceField(choices=Verdicts.choices)
    verdict_label = serializers.CharField()
    reason = serializers.CharField()
    reason_code = serializers.CharField()
    action = serializers.ChoiceField(choices=Actions.choices, allow_null=True)
    action_label = serializers.CharField(allow_null=True)
    flags = serializers.ListField(child=serializers.CharField())
    fee_unpaid = serializers.IntegerField(allow_null=True, help_text="VND due before release")
    booking = serializers.DictField(allow_null=True)
    declaration = serializers.DictField(allow_null=True)
    vehicle = serializers.DictField(allow_null=True)
    driver = serializers.DictField(allow_null=True)
    candidates = serializers.ListField(child=serializers.CharField(), help_text="plates to confirm")
    event = serializers.IntegerField()
    gate = serializers.CharField()


class ScanView(KioskAPIView):
    """`{gate, lane?, plate? | ticket? | read?}` → the verdict, the truck and the allowed action."""

    @extend_schema(request=ScanIn, responses=ScanOut)
    def post(self, request: Request) -> Response:
        params = scan_params(request.data)
        actor = _actor(request)
        gate = services.kiosk_gate(code=params["gate"], **actor)
        result = services.kiosk_scan(
            gate=gate,
            lane=params["lane"],
            raw=params["plate"] or params["read"],
            ticket=params["ticket"],
            **actor,
        )
        return Response(scan_payload(result, gate))


class ActionIn(serializers.Serializer):
    event = serializers.IntegerField(min_value=1)
    action = serializers.ChoiceField(choices=Actions.choices)


class ActionOut(serializers.Serializer):
    state = serializers.CharField()
    state_label = serializers.CharField()
    action = serializers.ChoiceField(choices=Actions.choices)
    event = serializers.IntegerField()
    booking = serializers.DictField()


class ActionView(KioskAPIView):
    """`{event, action}` → the booking's new state, when the scan's verdict allowed the action."""

    @extend_schema(request=ActionIn, responses=ActionOut)
    def post(self, request: Request) -> Response:
        data = ActionIn(data=request.data)
        data.is_valid(raise_exception=True)
        result = services.kiosk_action(
            event_id=data.validated_data["event"], action=data.validated_data["action"], **_actor(request)
        )
        booking = result.booking
        return Response(
            {
                "state": booking.state,
                "state_label": _label(booking, "state"),
                "action": result.event.action,
                "event": result.event.pk,
                "booking": _booking(booking, booking.gate, result.queue_position),
            }
        )


# --- reply shapes ---------------------------------------------------------------------------
@functools.cache
def _choices(model: type, name: str) -> dict[Any, Any]:
    return dict(model._meta.get_field(name).flatchoices)


def _label(obj: Any, name: str) -> str:
    """`obj.get_<name>_display()`, in the active language, without rebuilding the choices."""
    value = getattr(obj, name)
    return str(_choices(type(obj), name).get(value, value))


def _iso(moment: Any, gate: Gate) -> str | None:
    if moment is None:
        return None
    return timezone.localtime(moment, zoneinfo.ZoneInfo(gate.timezone)).isoformat()


def _booking(booking: Booking, gate: Gate, position: int | None) -> dict[str, Any]:
    from queueing.rules import entry_window

    opens, closes = entry_window(booking.gate, booking.slot.start, booking.slot.end)
    return {
        "id": booking.pk,
        "state": booking.state,
        "state_label": _label(booking, "state"),
        "declaration": booking.declaration_id,
        "slot": booking.slot_id,
        "gate": booking.gate.code,
        "ticket": booking.ticket,
        "queue_position": position,
        "window": {
            "start": _iso(booking.slot.start, gate),
            "end": _iso(booking.slot.end, gate),
            "entry_opens": _iso(opens, gate),
            "entry_closes": _iso(closes, gate),
        },
        "perishable": booking.perishable,
        "inspection_required": booking.inspection_required,
        "checked_in_at": _iso(booking.checked_in_at, gate),
        "called_at": _iso(booking.called_at, gate),
    }


def scan_payload(result: services.ScanResult, gate: Gate) -> dict[str, Any]:
    v = result.verdict
    booking = result.booking
    payload: dict[str, Any] = {
        "verdict": v.verdict,
        "verdict_label": str(Verdicts(v.verdict).label),
        "reason": v.reason,
        "reason_code": v.reason_code,
        "action": v.action,
        "action_label": str(Actions(v.action).label) if v.action else None,
        "flags": list(v.flags),
        "fee_unpaid": v.params.get("amount_vnd"),
        "booking": None,
        "declaration": None,
        "vehicle": None,
        "driver": None,
        "candidates": result.candidates,
        "event": result.event.pk,
        "gate": gate.code,
    }
    if booking is not None:
        declaration = booking.declaration
        vehicle = booking.vehicle
        driver = declaration.driver
        payload["booking"] = _booking(booking, gate, result.queue_position)
        payload["declaration"] = {
            "id": declaration.pk,
            "number": declaration.number,
            "state": declaration.state,
            "state_label": _label(declaration, "state"),
            "channel": declaration.channel,
            "channel_label": _label(declaration, "channel") if declaration.channel else None,
            "direction": declaration.direction,
            "direction_label": _label(declaration, "direction"),
            "planned_date": declaration.planned_date.isoformat(),
        }
        payload["vehicle"] = {
            "id": vehicle.pk,
            "plate": vehicle.plate,
            "plate_canonical": vehicle.plate_canonical,
            "country": vehicle.country,
            "kind": vehicle.kind,
            "kind_label": _label(vehicle, "kind"),
            "trailer_plate": vehicle.trailer_plate,
            "max_gross_kg": vehicle.max_gross_kg,
        }
        payload["driver"] = {
            "id": driver.pk,
            "full_name": driver.full_name,
            "nationality": driver.nationality,
            "id_number": driver.id_number,
            "licence_number": driver.licence_number,
        }
    return payload


def board_payload(gate: Gate) -> dict[str, Any]:
    board = board_for_gate(gate=gate)
    for row in board["called"]:
        row["called_at"] = _iso(row["called_at"], gate)
    board["gate"] = gate.code
    board["updated"] = _iso(timezone.now(), gate)
    return board
