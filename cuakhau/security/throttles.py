"""Rate throttles that hold across processes: one atomic counter per caller and window in the
shared cache (Redis INCR), where DRF's own throttles read a list, append and write it back —
two processes then overwrite each other's counts and let more through than the rate."""

from __future__ import annotations

import time
from typing import Any

from django.core.cache import cache as default_cache
from rest_framework.throttling import ScopedRateThrottle


class SharedScopedRateThrottle(ScopedRateThrottle):
    """ScopedRateThrottle (same scopes, rates and caller identity) on a fixed-window counter."""

    cache = default_cache

    def allow_request(self, request: Any, view: Any) -> bool:
        self.scope = getattr(view, self.scope_attr, None)
        if not self.scope:
            return True
        self.rate = self.get_rate()
        num_requests, duration = self.num_requests, self.duration = self.parse_rate(self.rate)
        self.key = self.get_cache_key(request, view)
        if self.key is None or num_requests is None or duration is None:
            return True  # no key, or no rate for the scope: not throttled (as DRF's own)
        self.now = time.time()
        window = int(self.now // duration)
        key = f"{self.key}:{window}"
        self.cache.add(key, 0, duration + 1)
        try:
            count = self.cache.incr(key)
        except ValueError:  # expired between add and incr: a new window
            self.cache.add(key, 1, duration + 1)
            count = 1
        self.window_end = (window + 1) * duration
        return count <= num_requests

    def wait(self) -> float | None:
        return max(self.window_end - self.now, 0)
