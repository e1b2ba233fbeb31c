"""Browser fixture for the foundation's end-to-end tests: Debian's headless Chromium via Playwright."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from django.db import connections

from tests.conftest import CHROMIUM

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def page(live_server) -> Iterator:  # type: ignore[no-untyped-def]
    """A fresh browser page (mobile-sized, like a driver's phone) against the live server."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the test makes
    # between browser steps are still synchronous.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,  # Playwright gives every launch a fresh profile directory
        )
        context = browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN")
        context.set_default_timeout(15_000)
        try:
            yield context.new_page()
        finally:
            # ORM calls made while Playwright's loop runs get their own connection (Django keys
            # connections by async context); close it here or PostgreSQL cannot drop the test DB.
            connections.close_all()
            context.close()
            browser.close()
            if previous is None:
                os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
            else:
                os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous
