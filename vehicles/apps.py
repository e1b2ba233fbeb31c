from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VehiclesConfig(AppConfig):
    name = "vehicles"
    verbose_name = _("Registries: gates, companies, drivers, vehicles")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from .seeding import ensure_seeded_gates

        post_migrate.connect(ensure_seeded_gates, sender=self, dispatch_uid="vehicles.ensure_seeded_gates")

        from cuakhau.security.admin_scope import set_principal_resolver

        from .selectors import admin_principal

        set_principal_resolver(admin_principal)
