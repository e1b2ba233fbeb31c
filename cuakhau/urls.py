"""URL map. Each app owns its pages (`<app>/urls.py`) and its API (`<app>/api_urls.py`)."""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from queueing import dashboard

from . import health

admin.site.site_header = "Cửa khẩu số"
admin.site.site_title = "Cửa khẩu số"

urlpatterns = [
    path("", RedirectView.as_view(url="/portal/", permanent=False)),
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", health.healthz, name="healthz"),
    path("api/v1/", include("cuakhau.api_urls")),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("dashboard/simulations/", include("queueing.simulation.urls")),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("dashboard/<str:code>/", dashboard.dashboard, name="dashboard-gate"),
    path("", include("vehicles.urls")),
    # fees before declarations: /portal/declarations/<id>/fee/ is the fees app's page
    path("", include("declarations.fees.urls")),
    path("", include("declarations.urls")),
    path("", include("queueing.urls")),
    path("", include("queueing.kiosk.urls")),
    path("", include("cuakhau.notifications.urls")),
]
