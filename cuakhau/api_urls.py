from typing import Any

from django.http import HttpResponse
from django.urls import include, path
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

from .security.throttles import SharedScopedRateThrottle
from .security.views import locked_out


class TokenView(ObtainAuthToken):
    throttle_classes = [SharedScopedRateThrottle]
    throttle_scope = "auth"

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().post(request, *args, **kwargs)
        except ValidationError:
            # django-axes marks the request it was given (this DRF request) when it locks out.
            if getattr(request, "axes_locked_out", False):
                response: HttpResponse = locked_out(request._request)
                return response
            raise


urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("", include("vehicles.api_urls")),
    path("", include("declarations.api_urls")),
    path("", include("declarations.fees.api_urls")),
    path("", include("queueing.api_urls")),
    path("", include("queueing.kiosk.api_urls")),
    path("", include("cuakhau.notifications.api_urls")),
]
