from django.urls import include, path
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.throttling import ScopedRateThrottle


class TokenView(ObtainAuthToken):
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"


urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("", include("vehicles.api_urls")),
    path("", include("declarations.api_urls")),
    path("", include("declarations.fees.api_urls")),
    path("", include("queueing.api_urls")),
    path("", include("queueing.kiosk.api_urls")),
    path("", include("queueing.tracking.api_urls")),
    path("", include("cuakhau.notifications.api_urls")),
]
