from django.urls import path

from . import api

urlpatterns = [path("positions/", api.PositionsView.as_view(), name="api-positions")]
