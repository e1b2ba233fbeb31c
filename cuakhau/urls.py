"""URL map. Each app owns its pages (`<app>/urls.py`) and its API (`<app>/api_urls.py`)."""

from typing import Any

from django.conf import settings
from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from queueing import dashboard

from . import health
from .security.otp import use_second_factor_admin
from .security.views import ThrottledPasswordResetView


class FaviconView(RedirectView):
    """Browsers ask for /favicon.ico whatever the page says: send them to the static one."""

    permanent = True

    def get_redirect_url(self, *args: Any, **kwargs: Any) -> str:
        return static("favicon.ico")


admin.site.site_header = "Cửa khẩu số"
admin.site.site_title = "Cửa khẩu số"
use_second_factor_admin(admin.site)  # TOTP required for the admin when OTP_REQUIRED is on

urlpatterns = [
    path("", RedirectView.as_view(url="/portal/", permanent=False)),
    path("admin/", admin.site.urls),
    # Password reset limited per address and per e-mail (docs/security.md), then Django's own.
    path("accounts/password_reset/", ThrottledPasswordResetView.as_view(), name="password_reset"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    # The strings of static/js in the reader's language (gettext() in JS; locale/*/djangojs.po).
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("healthz", health.healthz, name="healthz"),
    path("api/v1/", include("cuakhau.api_urls")),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("favicon.ico", FaviconView.as_view()),
    path("dashboard/simulations/", include("queueing.simulation.urls")),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("dashboard/<str:code>/", dashboard.dashboard, name="dashboard-gate"),
    path("", include("vehicles.urls")),
    # fees before declarations: /portal/declarations/<id>/fee/ is the fees app's page
    path("", include("declarations.fees.urls")),
    path("", include("declarations.urls")),
    path("", include("queueing.urls")),
    path("", include("queueing.kiosk.urls")),
    path("", include("queueing.tracking.urls")),
    path("", include("cuakhau.notifications.urls")),
]

if settings.API_DOCS_ENABLED:  # off in production unless API_DOCS_ENABLED=1
    # Split view: the init script is a file of its own (no inline script under the CSP).
    urlpatterns.append(
        path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs")
    )
# Styled error pages in the reader's language, pointing to where their work is.
handler403 = "vehicles.error_pages.forbidden"
handler404 = "vehicles.error_pages.not_found"
handler500 = "vehicles.error_pages.server_error"
