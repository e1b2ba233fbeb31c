"""Production refuses default or short secrets and a sandbox payment provider it was not told
about; `check --deploy` reports the same with ids (cuakhau.E101–E111)."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from cuakhau.security.secrets import secret_problems
from declarations.fees.providers import Sandbox

ROOT = Path(__file__).resolve().parents[2]
STRONG = {"SECRET_KEY": secrets.token_urlsafe(64), "ALLOWED_HOSTS": "cuakhau.example.vn"}


def _manage(args: list[str], env_extra: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PAYMENT", "FEE_", "SMS_"))}
    env.update({"DJANGO_SETTINGS_MODULE": "cuakhau.settings", "TASKS_MODE": "eager", **env_extra})
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def _ids(values: dict) -> list[str]:
    return [p.id for p in secret_problems(values)]


def test_a_strong_key_and_no_sandbox_have_no_problem():
    assert _ids({"SECRET_KEY": "x" + secrets.token_urlsafe(60), "PAYMENT_PROVIDERS": ["cash"]}) == []


@pytest.mark.parametrize(
    "key", ["", "short", "a" * 60, "django-insecure-" + "k" * 50, "sandbox-callback-secret"]
)
def test_a_default_short_or_monotonous_secret_key_is_a_problem(key):
    assert _ids({"SECRET_KEY": key}) == ["cuakhau.E101"]


@pytest.mark.parametrize("value", ["sandbox-callback-secret", "tooshort-31-characters-abcdefgh"])
def test_a_default_or_short_callback_secret_is_a_problem(value):
    assert _ids({"SECRET_KEY": secrets.token_urlsafe(64), "FEE_CALLBACK_SECRET": value}) == ["cuakhau.E102"]


def test_a_short_sms_gateway_token_is_a_problem():
    assert _ids({"SECRET_KEY": secrets.token_urlsafe(64), "SMS_GATEWAY_TOKEN": "abc123"}) == ["cuakhau.E103"]


def test_the_sandbox_provider_without_the_sandbox_setting_is_a_problem():
    values = {
        "SECRET_KEY": secrets.token_urlsafe(64),
        "FEE_CALLBACK_SECRET": secrets.token_urlsafe(40),
        "PAYMENT_PROVIDERS": ["cash", "sandbox"],
    }
    assert _ids(values) == ["cuakhau.E110"]
    assert _ids({**values, "PAYMENTS_SANDBOX": True}) == []
    assert _ids({**values, "PAYMENTS_SANDBOX": True, "FEE_CALLBACK_SECRET": ""}) == ["cuakhau.E111"]


@pytest.mark.slow
def test_production_with_the_documented_callback_secret_refuses_to_start():
    result = _manage(["check"], {"DEBUG": "0", **STRONG, "FEE_CALLBACK_SECRET": "sandbox-callback-secret"})

    assert result.returncode != 0
    assert "FEE_CALLBACK_SECRET is a documented default" in result.stderr


@pytest.mark.slow
def test_production_with_a_short_provider_key_refuses_to_start():
    result = _manage(["check"], {"DEBUG": "0", **STRONG, "SMS_GATEWAY_TOKEN": "abc"})

    assert result.returncode != 0
    assert "SMS_GATEWAY_TOKEN is shorter than 32 characters" in result.stderr


@pytest.mark.slow
def test_production_with_the_sandbox_provider_refuses_to_start_unless_told_it_is_a_sandbox():
    sandbox = {
        "DEBUG": "0",
        **STRONG,
        "PAYMENT_PROVIDERS": "bank_transfer,cash,sandbox",
        "FEE_CALLBACK_SECRET": secrets.token_urlsafe(40),
    }
    refused = _manage(["check"], sandbox)
    told = _manage(["check", "--deploy", "--fail-level", "WARNING"], {**sandbox, "PAYMENTS_SANDBOX": "1"})

    assert refused.returncode != 0
    assert "cuakhau.E110" in refused.stderr
    assert told.returncode == 0, told.stdout + told.stderr


@pytest.mark.slow
def test_production_without_settings_turns_the_sandbox_off():
    result = _manage(
        [
            "shell",
            "-c",
            "from django.conf import settings as s; import json; "
            "print(json.dumps([s.PAYMENTS_SANDBOX, s.PAYMENT_PROVIDERS, s.FEE_CALLBACK_SECRET]))",
        ],
        {"DEBUG": "0", **STRONG},
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [False, ["bank_transfer", "cash"], ""]


@pytest.mark.slow
def test_check_deploy_reports_the_development_defaults_with_their_ids():
    result = _manage(["check", "--deploy"], {"DEBUG": "1"})

    assert "cuakhau.E101" in result.stderr  # the development SECRET_KEY
    assert "cuakhau.E102" in result.stderr  # the documented FEE_CALLBACK_SECRET
    assert result.returncode != 0


@pytest.mark.django_db
def test_the_sandbox_callback_does_not_exist_where_the_sandbox_is_off(client, settings):
    settings.PAYMENT_PROVIDERS = ["bank_transfer", "cash"]
    body = b'{"txn_id": "SBX-1", "reference": "TK0000001", "amount": 1000}'

    response = client.post(
        "/api/v1/fees/callback/sandbox/",
        body,
        content_type="application/json",
        HTTP_X_SANDBOX_SIGNATURE=Sandbox.sign(body),
    )

    assert response.status_code == 404
