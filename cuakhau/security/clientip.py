"""The client's address: REMOTE_ADDR, or the X-Forwarded-For entry written by the outermost of
TRUSTED_PROXY_COUNT proxies. One rule, applied once per request by ClientAddressMiddleware;
lockouts (django-axes), throttles (DRF, NUM_PROXIES=0) and logs then read REMOTE_ADDR."""

from __future__ import annotations

import ipaddress
from typing import Any


def _valid(address: str) -> bool:
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return False
    return True


def resolve_client_address(meta: dict[str, Any], trusted_proxies: int) -> str:
    """With N trusted proxies each appending the address it saw, the client is the N-th entry
    from the right; entries further left were written by the client and are not believed.
    Fewer entries than proxies, or garbage: REMOTE_ADDR (the nearest peer)."""
    remote = str(meta.get("REMOTE_ADDR") or "")
    if trusted_proxies <= 0:
        return remote
    forwarded = [a.strip() for a in str(meta.get("HTTP_X_FORWARDED_FOR") or "").split(",") if a.strip()]
    if len(forwarded) < trusted_proxies:
        return remote
    candidate = forwarded[-trusted_proxies]
    return candidate if _valid(candidate) else remote


def client_ip(request: Any) -> str:
    """For django-axes (AXES_CLIENT_IP_CALLABLE): the address the middleware settled on."""
    return str(request.META.get("REMOTE_ADDR") or "")
