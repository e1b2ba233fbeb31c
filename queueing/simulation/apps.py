from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SimulationConfig(AppConfig):
    name = "queueing.simulation"
    label = "simulation"
    verbose_name = _("Capacity planning")
