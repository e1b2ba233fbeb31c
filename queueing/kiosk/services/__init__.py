"""Writes of the kiosk, one module each:

- `devices`: devices' keys, and the device a request's key names (kept a few seconds per process);
- `authorisation`: who may work at a gate (`kiosk_gate`, `kiosk_authorise`);
- `scan`: a scan's lookups, verdict and GateEvent (`kiosk_scan`);
- `actions`: the one action a verdict allowed, checked again under the booking's lock (`kiosk_action`);
- `sql`: the scan's hot statements, written out and built once per process.
"""

from .actions import SCAN_MAX_AGE, ActionResult, kiosk_action
from .authorisation import kiosk_authorise, kiosk_gate
from .devices import (
    LAST_SEEN_EVERY,
    device_create,
    device_for_key,
    device_issue_key,
    device_rotate_key,
    device_touch,
    forget_devices,
)
from .scan import DEPARTED_LOOKBACK, MAX_CANDIDATES, MAX_READ, ScanResult, kiosk_scan

__all__ = [
    "DEPARTED_LOOKBACK",
    "LAST_SEEN_EVERY",
    "MAX_CANDIDATES",
    "MAX_READ",
    "SCAN_MAX_AGE",
    "ActionResult",
    "ScanResult",
    "device_create",
    "device_for_key",
    "device_issue_key",
    "device_rotate_key",
    "device_touch",
    "forget_devices",
    "kiosk_action",
    "kiosk_authorise",
    "kiosk_gate",
    "kiosk_scan",
]
