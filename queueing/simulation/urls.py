from django.urls import path

from . import views

urlpatterns = [
    path("", views.scenario_list, name="simulation-list"),
    path("<int:pk>/", views.scenario_detail, name="simulation-detail"),
    path("<int:pk>/progress/", views.scenario_progress, name="simulation-progress"),
    path("<int:pk>/hourly.csv", views.scenario_hourly_csv, name="simulation-hourly-csv"),
]
