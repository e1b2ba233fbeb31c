"""Who may work at a gate: a device at its own gate only; staff at the gates of their assignment."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from cuakhau.accounts.roles import Role, user_has_role
from cuakhau.errors import NotAllowed, NotFound
from vehicles.models import Gate
from vehicles.selectors import gate_ids_for_user

from ..models import Device


def kiosk_authorise(*, gate: Gate, device: Device | None = None, staff: Any = None) -> None:
    """A device works at its own gate only; staff at the gates of their assignment."""
    if device is not None:
        if not device.is_active or device.gate_id != gate.pk:
            raise NotAllowed(_("This device is not registered at this gate."), code="wrong_gate")
        return
    if staff is not None and getattr(staff, "is_authenticated", False):
        if staff.is_superuser:
            return
        if user_has_role(staff, Role.GATE_STAFF) and gate.pk in gate_ids_for_user(staff):
            return
    raise NotAllowed(_("You do not work at this gate."), code="wrong_gate")


def kiosk_gate(*, code: str, device: Device | None = None, staff: Any = None) -> Gate:
    """Fetch-and-authorise: the gate named by `code`, if the caller may work there.

    A device is told 403 for any gate but its own (it must not learn which codes exist).
    """
    code = (code or "").strip().upper()
    if device is not None:
        if device.gate.code != code:
            raise NotAllowed(_("This device is not registered at this gate."), code="wrong_gate")
        gate = device.gate
    else:
        found = Gate.objects.filter(code=code, is_active=True).first()
        if found is None:
            raise NotFound(_("No such gate."))
        gate = found
    kiosk_authorise(gate=gate, device=device, staff=staff)
    return gate
