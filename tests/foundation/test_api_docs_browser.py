"""In Chromium with every request leaving the server blocked: /api/docs/ (Swagger UI) renders the
API from the project's own files; the site has a favicon. (No Redoc page: its bundle fetches a
logo from a CDN that no option turns off.)"""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def offline_page(chromium, live_server):  # type: ignore[no-untyped-def]
    """A page whose every request to another origin is refused, and the list of those tried."""
    context = chromium.new_context(locale="en-US")
    page = context.new_page()
    page.set_default_timeout(20_000)
    left: list[str] = []

    def guard(route, request):  # type: ignore[no-untyped-def]
        if request.url.startswith(live_server.url):
            route.continue_()
        else:
            left.append(request.url)
            route.abort()

    context.route("**/*", guard)
    return context, page, left


def test_the_api_docs_render_with_no_request_leaving_the_server(chromium, live_server):
    context, page, left = offline_page(chromium, live_server)
    failed: list[str] = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".swagger-ui .info .title:has-text('Cửa khẩu số API')")
    page.wait_for_load_state("networkidle")
    # The operations of the API are listed: the schema was fetched and read.
    assert page.locator(".opblock-summary-path[data-path='/api/v1/declarations/']").count() >= 1
    assert page.locator("script:not([src])").count() == 0  # no inline script (CSP)
    assert left == []
    assert failed == []
    context.close()


def test_the_site_has_a_favicon(chromium, live_server):
    context, page, left = offline_page(chromium, live_server)
    response = page.request.get(f"{live_server.url}/favicon.ico")
    assert response.ok and response.headers["content-type"].startswith("image/")
    page.goto(f"{live_server.url}/accounts/login/")
    href = page.locator("link[rel=icon]").get_attribute("href")
    icon = page.request.get(f"{live_server.url}{href}")
    assert icon.ok and icon.headers["content-type"].startswith("image/svg")
    assert left == []
    context.close()
