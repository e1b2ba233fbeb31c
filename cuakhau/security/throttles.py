"""Rate throttles that hold across processes: one atomic counter per caller and window in the
shared cache (Redis INCR), where DRF's own throttles read a list, append and write it back —
two processes then overwrite each other's counts and let more through than the rate.

On Redis a request costs ONE round trip: a small script increments the window's counter and,
when it was the first of the window, sets its expiry. Django's cache API would take two (add,
then incr) and build a new Redis client object for each, which at a kiosk's rate of scans cost
more CPU than the rest of the request's authentication."""

from __future__ import annotations

import time
import weakref
from typing import Any, cast

from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache import cache as default_cache
from django.core.cache.backends.redis import RedisCache
from rest_framework.throttling import ScopedRateThrottle

_INCR_WITH_EXPIRY = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""
# One registered script (with its Redis client and connection pool) per cache backend object.
_scripts: weakref.WeakKeyDictionary[RedisCache, Any] = weakref.WeakKeyDictionary()


def _counter_script(cache: Any) -> tuple[RedisCache, Any] | None:
    backend = caches[DEFAULT_CACHE_ALIAS] if cache is default_cache else cache
    if not isinstance(backend, RedisCache):
        return None
    script = _scripts.get(backend)
    if script is None:
        # The backend's redis-py client (a private attribute the stubs do not declare).
        script = cast(Any, backend)._cache.get_client(None, write=True).register_script(_INCR_WITH_EXPIRY)
        _scripts[backend] = script
    return backend, script


def count_in_window(cache: Any, key: str, timeout: int) -> int:
    """Add one to the counter `key` (kept `timeout` seconds from its first count); its new value."""
    redis = _counter_script(cache)
    if redis is not None:
        backend, script = redis
        return int(script(keys=[backend.make_and_validate_key(key)], args=[timeout]))
    cache.add(key, 0, timeout)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr: a new window
        cache.add(key, 1, timeout)
        return 1


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
        count = count_in_window(self.cache, f"{self.key}:{window}", duration + 1)
        self.window_end = (window + 1) * duration
        return count <= num_requests

    def wait(self) -> float | None:
        return max(self.window_end - self.now, 0)
