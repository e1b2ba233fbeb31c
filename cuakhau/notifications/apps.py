from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "cuakhau.notifications"
    label = "notifications"
    verbose_name = "Notifications"
