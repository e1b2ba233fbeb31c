"""Devices at the lanes: their keys, and finding the device a request's key names.

A camera scans many times a minute and devices are few, so the device a key names (with its
gate) is kept in the process for `KIOSK_DEVICE_CACHE_SECONDS` (default 5; 0 turns it off),
keyed by the key's SHA-256 (never the key itself). Only keys that matched an active device are
kept. Revocation still takes effect within those seconds:

- deactivating a device or rotating its key through the admin or these services (anything that
  saves or deletes the Device) forgets every kept device of this process at once;
- the other processes (other gunicorn workers, other hosts) read the row again when their copy
  is older than KIOSK_DEVICE_CACHE_SECONDS, whatever changed it (an UPDATE in SQL included).

A change to the device's gate (its margins, its directions) reaches the scans the same way.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import time

from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from django.utils.translation import gettext as _

from cuakhau.errors import DomainError
from vehicles.models import Gate

from ..models import Device
from . import sql

# last_seen is written at most this often, so a busy camera does not write on every scan.
LAST_SEEN_EVERY = dt.timedelta(minutes=1)

# key hash -> (monotonic time it was read, the device with its gate)
_kept: dict[str, tuple[float, Device]] = {}
_clock = time.monotonic
_KEEP_AT_MOST = 1000


def _hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("ascii")).hexdigest()


def _keep_seconds() -> float:
    return float(getattr(settings, "KIOSK_DEVICE_CACHE_SECONDS", 5))


def forget_devices(**_kwargs: object) -> None:
    """Forget every device this process keeps (a device was saved or deleted)."""
    _kept.clear()


post_save.connect(forget_devices, sender=Device, dispatch_uid="kiosk-forget-devices-save")
post_delete.connect(forget_devices, sender=Device, dispatch_uid="kiosk-forget-devices-delete")


def device_issue_key(*, device: Device) -> str:
    """Give a device (saved or not yet) a fresh key; set its prefix and hash, return the key.

    The caller saves; a saved device's old key stops working once it does.
    """
    prefix = secrets.token_hex(4)
    key = f"{prefix}.{secrets.token_urlsafe(40)}"
    device.key_prefix, device.key_hash = prefix, _hash_key(key)
    return key


def device_create(*, gate: Gate, lane: str, name: str = "", direction: str = "") -> tuple[Device, str]:
    """Make a device and return it with its key: the only time the key exists in clear."""
    lane = (lane or "").strip()
    if not lane:
        raise DomainError(_("A device needs a lane."), code="invalid_lane")
    device = Device(gate=gate, lane=lane, name=name, direction=direction)
    key = device_issue_key(device=device)
    device.full_clean()
    device.save()
    return device, key


def device_rotate_key(*, device: Device) -> str:
    """Give a device a new key; the old one stops working at once (in every process within
    KIOSK_DEVICE_CACHE_SECONDS)."""
    key = device_issue_key(device=device)
    device.save(update_fields=["key_prefix", "key_hash"])
    return key


def device_for_key(key: str) -> Device | None:
    """The active device whose key this is, with its gate, else None.

    One unique-index lookup (the key's prefix; the gate joined), the hash then compared in
    constant time; a device found is kept for KIOSK_DEVICE_CACHE_SECONDS (see the module).
    """
    prefix, _dot, secret = (key or "").partition(".")
    if not secret or len(key) > 200 or not key.isascii():
        return None
    digest = _hash_key(key)
    keep = _keep_seconds()
    now = _clock()
    if keep > 0:
        kept = _kept.get(digest)
        if kept is not None and now - kept[0] < keep:
            return kept[1]
    device = sql.active_device_with_gate(prefix)
    if device is None or not hmac.compare_digest(device.key_hash, digest):
        _kept.pop(digest, None)
        return None
    if keep > 0:
        if len(_kept) >= _KEEP_AT_MOST:  # devices are few; old keys' copies do not pile up
            _kept.clear()
        _kept[digest] = (now, device)
    return device


def device_touch(*, device: Device, now: dt.datetime | None = None) -> None:
    """Record that the device spoke, at most once a minute."""
    now = now or timezone.now()
    if device.last_seen is None or now - device.last_seen >= LAST_SEEN_EVERY:
        Device.objects.filter(pk=device.pk).update(last_seen=now)
        device.last_seen = now
