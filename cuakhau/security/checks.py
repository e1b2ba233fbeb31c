"""`manage.py check --deploy`: weak secrets and a sandbox payment provider, with ids
cuakhau.E101–E111 (the rule is `secrets.secret_problems`)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register

from .secrets import PROVIDER_SECRETS, secret_problems

_NAMES = ("SECRET_KEY", *PROVIDER_SECRETS, "PAYMENT_PROVIDERS", "PAYMENTS_SANDBOX")


@register(Tags.security, deploy=True)
def check_secrets_and_sandbox(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    values = {name: getattr(settings, name, None) for name in _NAMES}
    return [
        Error(p.message, hint=f"Set {p.setting} (see README, configuration).", id=p.id)
        for p in secret_problems(values)
    ]
