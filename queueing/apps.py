from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QueueingConfig(AppConfig):
    name = "queueing"
    verbose_name = _("Queueing: slots, bookings, yard")

    def ready(self) -> None:
        from cuakhau.reseed import reseed_on_post_migrate

        reseed_on_post_migrate(self, "0003_seed_capacity_templates")
        from declarations import signals

        from . import receivers

        signals.declaration_closed.connect(receivers.on_declaration_closed, dispatch_uid="queueing.closed")
        signals.declaration_in_use.connect(receivers.declaration_in_use, dispatch_uid="queueing.in_use")

        from declarations.panels import register_live_booking, register_panel

        from .panels import declaration_booking_panel, live_booking

        register_live_booking(live_booking)

        register_panel(
            template="queueing/_declaration_panel.html", context=declaration_booking_panel, order=20
        )

        from vehicles.portal import register_section

        from .panels import staff_links_section

        register_section(template="queueing/_staff_section.html", context=staff_links_section, order=5)
