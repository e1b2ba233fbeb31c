from django.urls import path

from . import views

urlpatterns = [
    path("portal/notifications/", views.inbox, name="notifications-inbox"),
    path("portal/notifications/badge/", views.inbox_badge, name="notifications-badge"),
    path("portal/notifications/read-all/", views.mark_all_read, name="notifications-read-all"),
    path("portal/notifications/settings/", views.preferences, name="notifications-settings"),
    path("portal/notifications/<int:pk>/read/", views.mark_read, name="notifications-read"),
]
