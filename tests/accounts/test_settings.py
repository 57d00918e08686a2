"""Settings come from the environment, strictly: a bad value stops the process with a message."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "x7#production-like-secret-key-with-enough-entropy-4u2q9!vz0p&m3k8w",
    "DJANGO_ALLOWED_HOSTS": "clinic.example.org",
}


def run(args, **env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CLINIC_"))}
    clean.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_values():
    result = run(["check", "--deploy", "--fail-level", "WARNING"], **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_the_https_switch_is_the_only_thing_check_deploy_then_reports():
    result = run(
        ["check", "--deploy", "--fail-level", "WARNING"], **PRODUCTION, DJANGO_HTTPS="false"
    )
    assert result.returncode != 0
    assert "SECURE_SSL_REDIRECT" in result.stderr


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DJANGO_DEBUG": "maybe"}, "DJANGO_DEBUG must be true or false, not 'maybe'"),
        ({"DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": ""}, "DJANGO_SECRET_KEY is required"),
        ({**PRODUCTION, "DJANGO_CONN_MAX_AGE": "ten"}, "DJANGO_CONN_MAX_AGE must be an integer"),
        ({**PRODUCTION, "CLINIC_TIME_ZONE": "Mars/Olympus"}, "CLINIC_TIME_ZONE must be an IANA"),
        ({**PRODUCTION, "CLINIC_IDLE_LOGOFF_MINUTES": "0"}, "must be at least 1"),
        ({**PRODUCTION, "DATABASE_URL": "oracle-ish://nowhere"}, "oracle-ish"),
    ],
)
def test_a_bad_value_fails_at_start_with_a_clear_message(env, message):
    result = run(["check"], **env)
    assert result.returncode == 1
    assert result.stderr.startswith("Configuration error:") and message in result.stderr
    assert "Traceback" not in result.stderr


def test_every_command_reports_the_configuration_error_itself():
    # Django's runner swallows a settings error for some commands, which then fail later with
    # "Models aren't loaded yet"; manage.py must name the variable instead.
    result = run(["makemigrations", "--check", "--dry-run"], DJANGO_DEBUG="false")
    assert result.returncode == 1
    assert "DJANGO_SECRET_KEY is required" in result.stderr
    assert "AppRegistryNotReady" not in result.stderr


def test_sqlite_is_opened_in_immediate_mode(settings):
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def test_persistent_connections_with_health_checks(settings):
    assert settings.DATABASES["default"]["CONN_MAX_AGE"] == 600
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True


def test_idle_logoff_after_fifteen_minutes(settings):
    assert settings.SESSION_COOKIE_AGE == 15 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST
