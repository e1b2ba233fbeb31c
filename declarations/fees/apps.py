from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeesConfig(AppConfig):
    name = "declarations.fees"
    label = "fees"
    verbose_name = _("Trip fees")

    def ready(self) -> None:
        from cuakhau.reseed import reseed_on_post_migrate

        reseed_on_post_migrate(self, "0002_seed_2025_schedule")
        from declarations.signals import declaration_closed

        from .receivers import close_fee_on_end

        declaration_closed.connect(close_fee_on_end, dispatch_uid="fees.close_fee_on_end")

        from declarations.panels import register_panel

        from .views import declaration_fee_panel

        register_panel(template="fees/_declaration_panel.html", context=declaration_fee_panel, order=10)
