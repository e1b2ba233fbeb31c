from django.urls import path

from . import views

urlpatterns = [
    path("accounts/signup/", views.signup, name="signup"),
    path("portal/", views.portal_home, name="portal-home"),
    path("portal/language/", views.language_set, name="portal-language"),
    path("portal/profile/", views.profile_edit, name="portal-profile"),
    path("portal/company/", views.company_edit, name="portal-company"),
    path("portal/drivers/", views.driver_list, name="portal-drivers"),
    path("portal/drivers/new/", views.driver_create, name="portal-driver-create"),
    path("portal/drivers/<int:pk>/", views.driver_edit, name="portal-driver-edit"),
    path("portal/drivers/<int:pk>/delete/", views.driver_delete, name="portal-driver-delete"),
    path("portal/vehicles/", views.vehicle_list, name="portal-vehicles"),
    path("portal/vehicles/new/", views.vehicle_create, name="portal-vehicle-create"),
    path("portal/vehicles/<int:pk>/", views.vehicle_edit, name="portal-vehicle-edit"),
    path("portal/vehicles/<int:pk>/delete/", views.vehicle_delete, name="portal-vehicle-delete"),
]
