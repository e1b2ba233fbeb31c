"""Browser fixture for the foundation's end-to-end tests: Debian's headless Chromium via Playwright."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture
def page(chromium) -> Iterator:  # type: ignore[no-untyped-def]
    """A fresh browser page (mobile-sized, like a driver's phone) against the live server."""
    context = chromium.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN")
    context.set_default_timeout(15_000)
    try:
        yield context.new_page()
    finally:
        context.close()
