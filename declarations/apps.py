from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeclarationsConfig(AppConfig):
    name = "declarations"
    verbose_name = _("Declarations (tờ khai)")

    def ready(self) -> None:
        from cuakhau.reseed import reseed_on_post_migrate

        reseed_on_post_migrate(self, "0003_default_risk_rules")
