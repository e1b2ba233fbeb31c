from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrackingConfig(AppConfig):
    name = "queueing.tracking"
    label = "tracking"
    verbose_name = _("Trucks en route: positions and arrival estimates")

    def ready(self) -> None:
        # Hooks declared on lower floors, connected from here (imports run one way).
        from queueing.dashboard import register_dashboard_section
        from queueing.selectors import register_arrival_source
        from vehicles.portal import register_section

        from . import panels, selectors

        register_arrival_source(selectors.expected_arrival)
        register_dashboard_section(
            template="tracking/_dashboard_section.html", context=panels.dashboard_section, order=50
        )
        register_section(template="tracking/_portal_section.html", context=panels.portal_section, order=15)
