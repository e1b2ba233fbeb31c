from django.urls import path

from . import views

urlpatterns = [
    path("portal/driving/", views.driving_list, name="tracking-driving-list"),
    path("portal/driving/<int:pk>/", views.driving, name="tracking-driving"),
    path("portal/driving/<int:pk>/consent/", views.consent, name="tracking-consent"),
    path("portal/driving/<int:pk>/position/", views.position, name="tracking-position"),
    path("portal/driving/<int:pk>/rebook/", views.rebook, name="tracking-rebook"),
]
