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
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.authentication import BaseAuthentication, SessionAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cuakhau.security.throttles import SharedScopedRateThrottle
from queueing.models import Booking
from queueing.rules import entry_window
from vehicles.authentication import CallerTokenAuthentication
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
    authentication_classes = [DeviceKeyAuthentication, CallerTokenAuthentication, SessionAuthentication]
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


class GateTimeField(serializers.DateTimeField):
    """A moment in ISO 8601 at the gate's zone (the reply's gate, from the serializer context)."""

    def to_representation(self, value: Any) -> str:
        return timezone.localtime(value, zoneinfo.ZoneInfo(self.context["gate"].timezone)).isoformat()


class KioskWindowOut(serializers.Serializer):
    """The booking's slot and its entry window (built from the booking: `source="*"`)."""

    start = GateTimeField()
    end = GateTimeField()
    entry_opens = GateTimeField()
    entry_closes = GateTimeField()

    def to_representation(self, instance: Booking) -> dict[str, Any]:
        slot = instance.slot
        opens, closes = entry_window(instance.gate, slot.start, slot.end)
        window = {"start": slot.start, "end": slot.end, "entry_opens": opens, "entry_closes": closes}
        return super().to_representation(window)


class KioskBookingOut(serializers.Serializer):
    """A booking in a kiosk reply; its place in the yard queue comes from the context."""

    id = serializers.IntegerField()
    state = serializers.CharField()
    state_label = serializers.CharField(source="get_state_display")
    declaration = serializers.IntegerField(source="declaration_id")
    slot = serializers.IntegerField(source="slot_id")
    gate = serializers.CharField(source="gate.code")
    ticket = serializers.CharField()
    queue_position = serializers.SerializerMethodField()
    window = KioskWindowOut(source="*")
    perishable = serializers.BooleanField()
    inspection_required = serializers.BooleanField()
    checked_in_at = GateTimeField(allow_null=True)
    called_at = GateTimeField(allow_null=True)

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_queue_position(self, booking: Booking) -> int | None:
        return self.context.get("queue_position")


class KioskDeclarationOut(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    state = serializers.CharField()
    state_label = serializers.CharField(source="get_state_display")
    channel = serializers.CharField(allow_null=True)
    channel_label = serializers.SerializerMethodField()
    direction = serializers.CharField()
    direction_label = serializers.CharField(source="get_direction_display")
    planned_date = serializers.DateField()

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_channel_label(self, declaration: Any) -> str | None:
        return str(declaration.get_channel_display()) if declaration.channel else None


class KioskVehicleOut(serializers.Serializer):
    id = serializers.IntegerField()
    plate = serializers.CharField()
    plate_canonical = serializers.CharField()
    country = serializers.CharField()
    kind = serializers.CharField()
    kind_label = serializers.CharField(source="get_kind_display")
    trailer_plate = serializers.CharField()
    max_gross_kg = serializers.IntegerField(allow_null=True)


class KioskDriverOut(serializers.Serializer):
    id = serializers.IntegerField()
    full_name = serializers.CharField()
    nationality = serializers.CharField()
    id_number = serializers.CharField()
    licence_number = serializers.CharField()


class ScanOut(serializers.Serializer):
    """The scan reply, from `services.ScanResult` with the context {gate, queue_position}
    (`scan_reply_serialized`; the API answers `scan_reply`, the same dict built directly). Without a booking, booking, declaration, vehicle and driver are null."""

    verdict = serializers.ChoiceField(choices=Verdicts.choices, source="verdict.verdict")
    verdict_label = serializers.SerializerMethodField()
    reason = serializers.CharField(source="verdict.reason")
    reason_code = serializers.CharField(source="verdict.reason_code")
    action = serializers.ChoiceField(choices=Actions.choices, allow_null=True, source="verdict.action")
    action_label = serializers.SerializerMethodField()
    flags = serializers.ListField(child=serializers.CharField(), source="verdict.flags")
    fee_unpaid = serializers.SerializerMethodField(help_text="VND due before release")
    booking = KioskBookingOut(allow_null=True)
    declaration = KioskDeclarationOut(allow_null=True, source="booking.declaration")
    vehicle = KioskVehicleOut(allow_null=True, source="booking.vehicle")
    driver = KioskDriverOut(allow_null=True, source="booking.declaration.driver")
    candidates = serializers.ListField(child=serializers.CharField(), help_text="plates to confirm")
    event = serializers.IntegerField(source="event.pk")
    gate = serializers.SerializerMethodField()

    @extend_schema_field(serializers.CharField())
    def get_verdict_label(self, result: services.ScanResult) -> str:
        return str(Verdicts(result.verdict.verdict).label)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_action_label(self, result: services.ScanResult) -> str | None:
        action = result.verdict.action
        return str(Actions(action).label) if action else None

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_fee_unpaid(self, result: services.ScanResult) -> int | None:
        return result.verdict.params.get("amount_vnd")

    @extend_schema_field(serializers.CharField())
    def get_gate(self, result: services.ScanResult) -> str:
        return self.context["gate"].code


def scan_reply_serialized(result: services.ScanResult, gate: Gate) -> dict[str, Any]:
    """The scan reply as `ScanOut` declares it (the contract: the schema and the tests read it)."""
    return ScanOut(result, context={"gate": gate, "queue_position": result.queue_position}).data


def scan_reply(result: services.ScanResult, gate: Gate) -> dict[str, Any]:
    """The scan reply the API answers: the same dict as `scan_reply_serialized`, built directly.

    A scan is the hot path (a camera at every lane): building `ScanOut` and its four nested
    serializers costs about 1.2 ms a scan, this 0.05 ms (docs/performance.md), against a whole
    scan of about 4 ms. `ScanOut` stays the one declaration of the shape: tests/kiosk/test_api.py
    compares the two for every kind of scan (with and without a booking, a fee due, candidates),
    so a field added to one and not the other fails there."""
    v = result.verdict
    booking = result.booking
    reply: dict[str, Any] = {
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
        "candidates": list(result.candidates),
        "event": result.event.pk,
        "gate": gate.code,
    }
    if booking is None:
        return reply
    declaration, vehicle = booking.declaration, booking.vehicle
    driver = declaration.driver
    slot = booking.slot
    opens, closes = entry_window(booking.gate, slot.start, slot.end)
    reply["booking"] = {
        "id": booking.pk,
        "state": booking.state,
        "state_label": _label(booking, "state"),
        "declaration": booking.declaration_id,
        "slot": booking.slot_id,
        "gate": booking.gate.code,
        "ticket": booking.ticket,
        "queue_position": result.queue_position,
        "window": {
            "start": _iso(slot.start, gate),
            "end": _iso(slot.end, gate),
            "entry_opens": _iso(opens, gate),
            "entry_closes": _iso(closes, gate),
        },
        "perishable": booking.perishable,
        "inspection_required": booking.inspection_required,
        "checked_in_at": _iso(booking.checked_in_at, gate),
        "called_at": _iso(booking.called_at, gate),
    }
    reply["declaration"] = {
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
    reply["vehicle"] = {
        "id": vehicle.pk,
        "plate": vehicle.plate,
        "plate_canonical": vehicle.plate_canonical,
        "country": vehicle.country,
        "kind": vehicle.kind,
        "kind_label": _label(vehicle, "kind"),
        "trailer_plate": vehicle.trailer_plate,
        "max_gross_kg": vehicle.max_gross_kg,
    }
    reply["driver"] = {
        "id": driver.pk,
        "full_name": driver.full_name,
        "nationality": driver.nationality,
        "id_number": driver.id_number,
        "licence_number": driver.licence_number,
    }
    return reply


@functools.cache
def _choices(field: Any) -> dict[Any, Any]:
    return dict(field.flatchoices)


def _label(obj: Any, name: str) -> str:
    """`obj.get_<name>_display()`, in the active language, without rebuilding the choices."""
    value = getattr(obj, name)
    return str(_choices(obj._meta.get_field(name)).get(value, value))


def _iso(moment: Any, gate: Gate) -> str | None:
    if moment is None:
        return None
    return timezone.localtime(moment, zoneinfo.ZoneInfo(gate.timezone)).isoformat()


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
        return Response(scan_reply(result, gate))


class ActionIn(serializers.Serializer):
    event = serializers.IntegerField(min_value=1)
    action = serializers.ChoiceField(choices=Actions.choices)


class ActionOut(serializers.Serializer):
    """The action reply, built from `services.ActionResult` (`action_reply`)."""

    state = serializers.CharField(source="booking.state")
    state_label = serializers.CharField(source="booking.get_state_display")
    action = serializers.ChoiceField(choices=Actions.choices, source="event.action")
    event = serializers.IntegerField(source="event.pk")
    booking = KioskBookingOut()


def action_reply(result: services.ActionResult) -> dict[str, Any]:
    booking = result.booking
    return ActionOut(result, context={"gate": booking.gate, "queue_position": result.queue_position}).data


class ActionView(KioskAPIView):
    """`{event, action}` → the booking's new state, when the scan's verdict allowed the action."""

    @extend_schema(request=ActionIn, responses=ActionOut)
    def post(self, request: Request) -> Response:
        data = ActionIn(data=request.data)
        data.is_valid(raise_exception=True)
        result = services.kiosk_action(
            event_id=data.validated_data["event"], action=data.validated_data["action"], **_actor(request)
        )
        return Response(action_reply(result))


# --- the board ------------------------------------------------------------------------------
def board_payload(gate: Gate) -> dict[str, Any]:
    board = board_for_gate(gate=gate)
    for row in board["called"]:
        row["called_at"] = _iso(row["called_at"], gate)
    board["gate"] = gate.code
    board["updated"] = _iso(timezone.now(), gate)
    return board
