"""The one rule for secrets and the sandbox payment provider (used by settings and checks).

Production (DEBUG off) refuses to start when a secret is a documented default or too short, or
when the sandbox payment provider is enabled without PAYMENTS_SANDBOX=1 saying this deployment
is a sandbox. `manage.py check --deploy` reports the same problems, with ids, on any settings.

This module imports nothing of Django's configured state: settings.py calls it while loading.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured

# Values printed in the docs, the README or the code: anyone may sign with them.
DOCUMENTED_DEFAULTS = frozenset(
    {
        "sandbox-callback-secret",
        "dev-insecure-cuakhau-only-for-local-development-0123456789abcdef",
        "changeme",
        "change-me",
        "secret",
        "password",
    }
)
SECRET_KEY_MIN_LENGTH = 50
PROVIDER_SECRET_MIN_LENGTH = 32
MIN_DISTINCT_CHARACTERS = 5
# Provider keys: each is checked when it is set (an empty one means the provider is off).
PROVIDER_SECRETS = ("FEE_CALLBACK_SECRET", "SMS_GATEWAY_TOKEN")
SANDBOX_PROVIDER = "sandbox"


@dataclass(frozen=True)
class Problem:
    id: str  # the system check's id, e.g. "cuakhau.E101"
    setting: str
    message: str


def _weak(value: str, min_length: int) -> str:
    """Why `value` is not a secret, or '' when it may be one."""
    if value in DOCUMENTED_DEFAULTS or value.startswith("django-insecure"):
        return "is a documented default"
    if len(value) < min_length:
        return f"is shorter than {min_length} characters"
    if len(set(value)) < MIN_DISTINCT_CHARACTERS:
        return f"has fewer than {MIN_DISTINCT_CHARACTERS} different characters"
    return ""


def secret_problems(values: Mapping[str, Any]) -> list[Problem]:
    """Problems of the settings in `values` (a settings module's names → values).

    1. SECRET_KEY: not a documented default, at least 50 characters, 5 different ones.
    2. Each provider key that is set (FEE_CALLBACK_SECRET, SMS_GATEWAY_TOKEN): not a
       documented default, at least 32 characters.
    3. The sandbox provider (in PAYMENT_PROVIDERS) only where PAYMENTS_SANDBOX says this is a
       sandbox; with it, FEE_CALLBACK_SECRET must be set (rule 2 then applies).
    """
    problems: list[Problem] = []
    why = _weak(str(values.get("SECRET_KEY") or ""), SECRET_KEY_MIN_LENGTH)
    if why:
        problems.append(Problem("cuakhau.E101", "SECRET_KEY", f"SECRET_KEY {why}"))
    for n, name in enumerate(PROVIDER_SECRETS, start=2):
        value = str(values.get(name) or "")
        why = _weak(value, PROVIDER_SECRET_MIN_LENGTH) if value else ""
        if why:
            problems.append(Problem(f"cuakhau.E10{n}", name, f"{name} {why}"))
    sandbox_on = SANDBOX_PROVIDER in (values.get("PAYMENT_PROVIDERS") or ())
    if sandbox_on and not values.get("PAYMENTS_SANDBOX"):
        problems.append(
            Problem(
                "cuakhau.E110",
                "PAYMENT_PROVIDERS",
                "the sandbox payment provider is enabled, but PAYMENTS_SANDBOX is not set: "
                "anyone could mark fees paid. Remove 'sandbox' from PAYMENT_PROVIDERS, or set "
                "PAYMENTS_SANDBOX=1 if this deployment really is a sandbox",
            )
        )
    if sandbox_on and not values.get("FEE_CALLBACK_SECRET"):
        problems.append(
            Problem(
                "cuakhau.E111",
                "FEE_CALLBACK_SECRET",
                "the sandbox payment provider is enabled but FEE_CALLBACK_SECRET is empty",
            )
        )
    return problems


def refuse_weak_production_secrets(values: Mapping[str, Any]) -> None:
    """Raise ImproperlyConfigured listing every problem; settings.py calls it when DEBUG is off."""
    problems = secret_problems(values)
    if problems:
        raise ImproperlyConfigured(
            "Refusing to start in production: " + "; ".join(f"{p.message} ({p.id})" for p in problems)
        )
