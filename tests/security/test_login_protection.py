"""Every door is protected against guessing: the portal and admin logins, the token endpoint and
password reset lock out or slow down per account and per address; the address is taken from
trusted proxies only; throttles count on the shared Redis cache across processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from rest_framework.throttling import ScopedRateThrottle

from cuakhau.accounts.roles import Agency, Role
from cuakhau.security.clientip import resolve_client_address
from tests import factories

ROOT = Path(__file__).resolve().parents[2]
RIGHT = "pass12345!"  # tests.factories.UserFactory's password
LIMIT = 5  # AXES_FAILURE_LIMIT's default


def _portal_login(client, username, password, **extra):  # type: ignore[no-untyped-def]
    return client.post("/accounts/login/", {"username": username, "password": password}, **extra)


def _admin_login(client, username, password, **extra):  # type: ignore[no-untyped-def]
    return client.post("/admin/login/?next=/admin/", {"username": username, "password": password}, **extra)


def _token(client, username, password, **extra):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/auth/token/", {"username": username, "password": password}, **extra)


@pytest.mark.django_db
@pytest.mark.parametrize("door", [_portal_login, _admin_login, _token])
def test_after_five_wrong_passwords_even_the_right_one_is_refused(door, client):
    user = factories.staff_user(Role.CUSTOMS, Agency.CUSTOMS)
    for _ in range(LIMIT - 1):
        assert door(client, user.username, "wrong-password").status_code in (200, 400)
    assert door(client, user.username, "wrong-password").status_code == 429  # the fifth locks

    locked = door(client, user.username, RIGHT)

    assert locked.status_code == 429
    assert "Too many failed logins" in locked.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_a_right_password_before_the_limit_still_works(client):
    user = factories.staff_user(Role.CUSTOMS, Agency.CUSTOMS)
    for _ in range(LIMIT - 1):
        _portal_login(client, user.username, "wrong-password")

    assert _portal_login(client, user.username, RIGHT).status_code == 302


@pytest.mark.django_db
def test_the_account_is_locked_whatever_address_the_guesses_come_from(client):
    user = factories.operator_user()
    for n in range(LIMIT):
        _token(client, user.username, "wrong", REMOTE_ADDR=f"203.0.113.{n + 1}")

    assert _token(client, user.username, RIGHT, REMOTE_ADDR="198.51.100.7").status_code == 429


@pytest.mark.django_db
def test_an_address_guessing_many_accounts_is_locked(client):
    users = [factories.operator_user() for _ in range(LIMIT + 1)]
    for user in users[:LIMIT]:
        _portal_login(client, user.username, "wrong", REMOTE_ADDR="203.0.113.9")

    assert _portal_login(client, users[-1].username, RIGHT, REMOTE_ADDR="203.0.113.9").status_code == 429
    assert _portal_login(client, users[-1].username, RIGHT, REMOTE_ADDR="203.0.113.10").status_code == 302


@pytest.mark.django_db
def test_a_forged_forwarded_for_header_does_not_escape_the_token_throttle(client, monkeypatch):
    # THROTTLE_RATES is read from settings once, at import.
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"auth": "3/min"})
    statuses = [
        _token(client, f"nobody{n}", "x", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}").status_code for n in range(5)
    ]

    assert statuses[:3] == [400, 400, 400]
    assert statuses[3:] == [429, 429]


@pytest.mark.django_db
def test_password_reset_is_limited_per_address_and_per_email(client, monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"password_reset": "2/hour"})
    first = [
        client.post("/accounts/password_reset/", {"email": "a@example.vn"}).status_code for _ in range(3)
    ]
    other_address = client.post(
        "/accounts/password_reset/", {"email": "a@example.vn"}, REMOTE_ADDR="198.51.100.20"
    ).status_code
    fresh = client.post(
        "/accounts/password_reset/", {"email": "b@example.vn"}, REMOTE_ADDR="198.51.100.21"
    ).status_code

    assert first == [302, 302, 429]
    assert other_address == 429  # the same e-mail from elsewhere: still limited
    assert fresh == 302


@pytest.mark.parametrize(
    "proxies,forwarded,expected",
    [
        (0, "1.2.3.4", "192.0.2.1"),  # no proxy trusted: the header is ignored
        (1, "1.2.3.4", "1.2.3.4"),
        (1, "6.6.6.6, 1.2.3.4", "1.2.3.4"),  # the client wrote 6.6.6.6 itself
        (2, "6.6.6.6, 1.2.3.4, 10.0.0.2", "1.2.3.4"),
        (2, "1.2.3.4", "192.0.2.1"),  # fewer hops than proxies: the nearest peer
        (1, "not-an-address", "192.0.2.1"),
    ],
)
def test_the_client_address_comes_from_trusted_proxies_only(proxies, forwarded, expected):
    meta = {"REMOTE_ADDR": "192.0.2.1", "HTTP_X_FORWARDED_FOR": forwarded}
    assert resolve_client_address(meta, proxies) == expected


@pytest.mark.django_db
def test_behind_one_trusted_proxy_lockouts_count_the_forwarded_address(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    users = [factories.operator_user() for _ in range(LIMIT + 1)]
    for user in users[:LIMIT]:
        _portal_login(client, user.username, "wrong", HTTP_X_FORWARDED_FOR="203.0.113.50")

    blocked = _portal_login(client, users[-1].username, RIGHT, HTTP_X_FORWARDED_FOR="203.0.113.50")
    other = _portal_login(client, users[-1].username, RIGHT, HTTP_X_FORWARDED_FOR="203.0.113.51")

    assert blocked.status_code == 429
    assert other.status_code == 302


_THROTTLE_SCRIPT = """
import json, os, sys
import django
os.environ["DJANGO_SETTINGS_MODULE"] = "cuakhau.settings"
django.setup()
from django.conf import settings
from django.test import RequestFactory
from rest_framework.views import APIView
from cuakhau.security.throttles import SharedScopedRateThrottle

class View(APIView):
    throttle_scope = "kiosk"

assert "RedisCache" in settings.CACHES["default"]["BACKEND"], settings.CACHES
request = RequestFactory().post("/api/v1/kiosk/scan/", REMOTE_ADDR="203.0.113.77")
request.user = None
passed = 0
for _ in range(int(sys.argv[1])):
    throttle = SharedScopedRateThrottle()
    passed += throttle.allow_request(request, View())
print(json.dumps(passed))
"""


@pytest.mark.redis
@pytest.mark.slow
def test_a_throttle_holds_across_two_processes_sharing_redis():
    """Two processes, as two gunicorn workers would be, each try 10 scans at 10/min: 10 pass in
    all (a per-process cache would let 20 through)."""
    db = int(os.environ.get("TEST_REDIS_DB_BASE", "10"))
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
        "CACHE_URL": f"redis://127.0.0.1:6379/{db}",
        "CACHE_KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        "KIOSK_THROTTLE": "10/min",
        "TASKS_MODE": "eager",
    }
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", _THROTTLE_SCRIPT, "10"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))

    assert sum(results) == 10, results


@pytest.mark.redis
def test_a_throttle_counts_on_redis_in_one_round_trip_and_its_window_expires(settings, monkeypatch):
    """On Redis, one script per request: the window's counter goes up by one and expires with the
    window (Django's cache API would take two round trips: add, then incr)."""
    import redis
    from django.core.cache import cache

    from cuakhau.security.throttles import count_in_window

    commands = []
    execute = redis.client.Redis.execute_command

    def counted(self, *args, **options):  # type: ignore[no-untyped-def]
        commands.append(args[0])
        return execute(self, *args, **options)

    db = int(os.environ.get("TEST_REDIS_DB_BASE", "10"))
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:6379/{db}",
            "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        }
    }
    count_in_window(cache, "warm-up", 5)  # the script is loaded once per process
    monkeypatch.setattr(redis.client.Redis, "execute_command", counted)
    counts = [count_in_window(cache, "throttle_kiosk_device-1:42", 61) for _ in range(3)]
    monkeypatch.undo()
    assert counts == [1, 2, 3]
    assert commands == ["EVALSHA"] * 3
    assert cache.get("throttle_kiosk_device-1:42") == 3  # the key the cache API names
    client = cache._cache.get_client()
    assert 0 < client.ttl(cache.make_and_validate_key("throttle_kiosk_device-1:42")) <= 61
    cache.delete("throttle_kiosk_device-1:42")
    assert count_in_window(cache, "throttle_kiosk_device-1:42", 61) == 1
    cache.delete("throttle_kiosk_device-1:42")
