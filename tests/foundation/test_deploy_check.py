"""Production mode: `manage.py check --deploy` has nothing to say."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _check(extra_env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update({"DJANGO_SETTINGS_MODULE": "cuakhau.settings", "TASKS_MODE": "eager", **extra_env})
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deployment_checklist():
    result = _check(
        {"DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(64), "ALLOWED_HOSTS": "cuakhau.example.vn"}
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_without_a_secret_key_refuses_to_start():
    result = _check({"DEBUG": "0", "SECRET_KEY": "", "ALLOWED_HOSTS": "cuakhau.example.vn"})

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


@pytest.mark.parametrize("key", ["short", "a" * 60])
def test_production_with_a_weak_secret_key_refuses_to_start(key):
    result = _check({"DEBUG": "0", "SECRET_KEY": key, "ALLOWED_HOSTS": "cuakhau.example.vn"})

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
