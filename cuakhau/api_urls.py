from typing import Any

from django.http import HttpResponse
from django.urls import include, path
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from .security.otp import second_factor_ok
from .security.throttles import SharedScopedRateThrottle
from .security.views import locked_out


class TokenView(ObtainAuthToken):
    throttle_classes = [SharedScopedRateThrottle]
    throttle_scope = "auth"

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        serializer = self.get_serializer(data=request.data)
        try:
            serializer.is_valid(raise_exception=True)
        except ValidationError:
            # django-axes marks the request it was given (this DRF request) when it locks out.
            if getattr(request, "axes_locked_out", False):
                response: HttpResponse = locked_out(request._request)
                return response
            raise
        user = serializer.validated_data["user"]
        if not second_factor_ok(user, request.data.get("otp_token")):
            raise ValidationError(
                {"otp_token": [_("The code of your second-factor device is required and must be right.")]},
                code="second_factor_required",
            )
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


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
