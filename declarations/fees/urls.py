from django.urls import path

from . import views

urlpatterns = [
    path("portal/declarations/<int:pk>/fee/", views.fee_page, name="portal-fee"),
]
