"""Shared fixtures: the three personas (owner, other company, stranger), officers, services.

Tests that need the real PostgreSQL or Redis are marked `postgres` / `redis`; where the server is
missing they are skipped locally and FAIL when REQUIRE_SERVICES=1 (as .ci/run sets), so CI can
never pass without running them.
"""

from __future__ import annotations

import os
import shutil
import socket

import pytest
from django.db import connection, connections

from cuakhau.accounts.roles import Agency, Role
from cuakhau.celery import app as celery_app

from . import factories

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/9")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# SERVICES.md: the machine has no internet; without these Chromium's own connections fail.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _missing(what: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"{what} is required (REQUIRE_SERVICES=1) but not available", pytrace=False)
    pytest.skip(f"{what} not available")


def redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), 0.3):
            return True
    except OSError:
        return False


@pytest.fixture(autouse=True)
def _service_markers(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("postgres") and connection.vendor != "postgresql":
        _missing("PostgreSQL (set DATABASE_URL)")
    if request.node.get_closest_marker("redis") and not redis_answers():
        _missing("Redis at 127.0.0.1:6379")
    if request.node.get_closest_marker("browser") and not shutil.which(CHROMIUM):
        _missing(f"Chromium at {CHROMIUM}")


@pytest.fixture(autouse=True)
def _fast_and_eager(settings) -> None:  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    celery_app.conf.task_always_eager = True


@pytest.fixture(autouse=True)
def _fresh_cache(settings) -> None:  # type: ignore[no-untyped-def]
    """Each test counts its throttles and lockouts from zero in a cache of its own (the shared
    Redis cache would mix the counts of parallel runs); tests of the shared cache use Redis
    themselves (tests/security/test_login_protection.py)."""
    from django.core.cache import cache

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()


@pytest.fixture(autouse=True)
def _english_unless_the_test_chooses(monkeypatch):  # type: ignore[no-untyped-def]
    """Tests assert the English source strings, but the product's default language is Vietnamese
    and locale/ holds compiled translations. So test requests carry `Accept-Language: en` unless
    the test sends its own header (a language cookie, `?lang=` or a user's profile still win), and
    code outside requests runs in English. settings.LANGUAGE_CODE stays "vi";
    tests/foundation/test_i18n.py checks the real default by sending an empty Accept-Language."""
    from django.test.client import RequestFactory
    from django.utils import translation

    base_environ = RequestFactory._base_environ

    def environ(self, **request):  # type: ignore[no-untyped-def]
        env = base_environ(self, **request)
        env.setdefault("HTTP_ACCEPT_LANGUAGE", "en")
        return env

    monkeypatch.setattr(RequestFactory, "_base_environ", environ)
    with translation.override("en"):
        yield


@pytest.fixture
def chromium(live_server, monkeypatch):  # type: ignore[no-untyped-def]
    """Debian's headless Chromium through Playwright (never a downloaded browser), with the
    live server running. Playwright gives every launch a fresh profile directory."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the test makes
    # between browser steps are still synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        # Playwright's wait_for_function evaluates strings, which the pages' Content-Security-Policy
        # forbids (no eval); its helpers bypass the policy, the pages' own scripts are checked by
        # tests/security/test_csp_browser.py without the bypass.
        for name in ("new_context", "new_page"):
            original = getattr(browser, name)
            setattr(browser, name, lambda _o=original, **kw: _o(**{"bypass_csp": True, **kw}))
        try:
            yield browser
        finally:
            browser.close()
            # ORM calls made while Playwright's loop runs get their own connection (Django keys
            # connections by async context); close them or PostgreSQL cannot drop the test DB.
            connections.close_all()


@pytest.fixture
def gate(db):  # type: ignore[no-untyped-def]
    return factories.gate("HUU_NGHI")


@pytest.fixture
def company(db):  # type: ignore[no-untyped-def]
    return factories.CompanyFactory()


@pytest.fixture
def other_company(db):  # type: ignore[no-untyped-def]
    return factories.CompanyFactory()


@pytest.fixture
def owner(company):  # type: ignore[no-untyped-def]
    """An operator of `company`."""
    return factories.operator_user(company)


@pytest.fixture
def other_owner(other_company):  # type: ignore[no-untyped-def]
    """An operator of another company: must never see `company`'s data."""
    return factories.operator_user(other_company)


@pytest.fixture
def stranger(db):  # type: ignore[no-untyped-def]
    """Signed in, but in no company and no role."""
    return factories.UserFactory()


@pytest.fixture
def customs_officer(db):  # type: ignore[no-untyped-def]
    return factories.staff_user(Role.CUSTOMS, Agency.CUSTOMS)


@pytest.fixture
def border_guard_officer(db):  # type: ignore[no-untyped-def]
    return factories.staff_user(Role.BORDER_GUARD, Agency.BORDER_GUARD)


@pytest.fixture
def quarantine_officer(db):  # type: ignore[no-untyped-def]
    return factories.staff_user(Role.QUARANTINE, Agency.QUARANTINE)


@pytest.fixture
def gate_staff(db):  # type: ignore[no-untyped-def]
    return factories.staff_user(Role.GATE_STAFF)


@pytest.fixture
def gate_manager(db):  # type: ignore[no-untyped-def]
    return factories.staff_user(Role.GATE_MANAGER)


@pytest.fixture
def api_client():  # type: ignore[no-untyped-def]
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture(scope="session", autouse=True)
def _close_stray_connections(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """At the end, end connections that live-server threads left open, so the test database
    can be dropped (otherwise PostgreSQL refuses: 'being accessed by other users')."""
    yield
    if connection.vendor != "postgresql" or not str(connection.settings_dict["NAME"]).startswith("test_"):
        return  # no test database was made (no test used the database): nothing to drop
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
