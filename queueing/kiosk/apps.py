from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KioskConfig(AppConfig):
    name = "queueing.kiosk"
    label = "kiosk"
    verbose_name = _("Kiosk, devices and gate events")
