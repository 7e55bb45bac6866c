import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from portal.env import (
    env_bool,
    env_int,
    env_str,
    parse_cache_url,
    parse_database_url,
    parse_email_url,
    parse_site_url,
)

ROOT = Path(__file__).resolve().parents[2]


def test_database_url_accepts_sqlite_and_postgres():
    assert parse_database_url("DATABASE_URL", "sqlite:////tmp/x.db")["ENGINE"].endswith("sqlite3")
    pg = parse_database_url("DATABASE_URL", "postgres://u:p@db.example:5433/portal")
    assert pg["ENGINE"].endswith("postgresql")
    assert (pg["HOST"], pg["PORT"], pg["NAME"], pg["USER"]) == ("db.example", 5433, "portal", "u")


@pytest.mark.parametrize("raw", ["mysql://u@h/db", "nonsense", "postgres://u:p@h:5432/", ""])
def test_a_malformed_database_url_names_the_variable(raw):
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL"):
        parse_database_url("DATABASE_URL", raw)


def test_email_url_maps_to_a_django_mailer():
    assert parse_email_url("EMAIL_URL", "console://")["BACKEND"] == "core.mail.EmailBackend"
    smtp = parse_email_url("EMAIL_URL", "smtp+tls://me%40x.fr:s%3Acret@mail.x.fr:2587")
    assert smtp["OPTIONS"] == {
        "host": "mail.x.fr",
        "port": 2587,
        "username": "me@x.fr",
        "password": "s:cret",
        "use_tls": True,
        "use_ssl": False,
        "timeout": 10,
    }
    ssl = parse_email_url("EMAIL_URL", "smtps://mail.x.fr")["OPTIONS"]
    assert (ssl["port"], ssl["use_ssl"], ssl["use_tls"]) == (465, True, False)


@pytest.mark.parametrize("raw", ["http://x", "smtp://", "smtp://h:port", "smtp://h?timeout=x"])
def test_a_malformed_email_url_names_the_variable(raw):
    with pytest.raises(ImproperlyConfigured, match="EMAIL_URL"):
        parse_email_url("EMAIL_URL", raw)


def test_cache_url_defaults_to_a_shared_backend():
    assert parse_cache_url("CACHE_URL", "db://portal_cache")["LOCATION"] == "portal_cache"
    # Rate-limit counters share it with sessions and kept pages: not culled at 300 entries.
    assert parse_cache_url("CACHE_URL", "db://portal_cache")["OPTIONS"]["MAX_ENTRIES"] >= 10_000
    assert parse_cache_url("CACHE_URL", "redis://127.0.0.1:6379/0")["BACKEND"].endswith(
        "RedisCache"
    )
    with pytest.raises(ImproperlyConfigured, match="CACHE_URL"):
        parse_cache_url("CACHE_URL", "memcached://x")


def test_site_url_must_be_scheme_and_host():
    assert parse_site_url("SITE_URL", "https://portal.example/") == "https://portal.example"
    for raw in ("portal.example", "ftp://x", "https://x/path"):
        with pytest.raises(ImproperlyConfigured, match="SITE_URL"):
            parse_site_url("SITE_URL", raw)


def test_typed_readers(monkeypatch, tmp_path):
    monkeypatch.setenv("X_BOOL", "yes")
    assert env_bool("X_BOOL", False) is True
    monkeypatch.setenv("X_BOOL", "maybe")
    with pytest.raises(ImproperlyConfigured, match="X_BOOL"):
        env_bool("X_BOOL", False)
    monkeypatch.setenv("X_INT", "ten")
    with pytest.raises(ImproperlyConfigured, match="X_INT"):
        env_int("X_INT", 1)
    secret = tmp_path / "secret"
    secret.write_text("from-a-file\n")
    monkeypatch.setenv("X_SECRET_FILE", str(secret))
    assert env_str("X_SECRET") == "from-a-file"


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_start_up_stops_with_a_clear_message_on_a_malformed_variable():
    result = _manage("check", DJANGO_DEBUG="1", DATABASE_URL="mysql://nope")
    assert result.returncode == 2
    assert "Configuration error: DATABASE_URL" in result.stderr
    assert "Traceback" not in result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    result = _manage("check", DJANGO_DEBUG="0")
    assert result.returncode == 2
    assert "DJANGO_SECRET_KEY" in result.stderr


MFA_KEY = "x2OGbB6QZgDnBzDVL3Q0r1Ykfs6vA3HgYvBq8fYfH3s="


def test_production_refuses_to_start_without_the_two_factor_encryption_key(tmp_path):
    result = _manage(
        "check",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="a-long-random-production-secret-" + "x" * 40,
        SITE_URL="https://monespace.example.fr",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    assert result.returncode == 2
    assert "MFA_ENCRYPTION_KEY" in result.stderr


def test_deploy_checks_pass_with_production_variables(tmp_path):
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="a-long-random-production-secret-" + "x" * 40,
        SITE_URL="https://monespace.example.fr",
        EMAIL_URL="smtp+tls://u:p@smtp.example.fr:587",
        TASKS_BACKEND="database",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        MFA_ENCRYPTION_KEY=MFA_KEY,
        CLAMD_URL="tcp://127.0.0.1:3310",
        SEPA_CREDITOR_ID="FR72ZZZ123456",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_deploy_checks_flag_a_console_mailer_in_production(tmp_path):
    result = _manage(
        "check",
        "--deploy",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="a-long-random-production-secret-" + "x" * 40,
        SITE_URL="https://monespace.example.fr",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        MFA_ENCRYPTION_KEY=MFA_KEY,
    )
    assert "portal.W001" in result.stdout + result.stderr
    assert "portal.W004" in result.stdout + result.stderr
    # No CLAMD_URL: attachments would be stored unscanned.
    assert "portal.W005" in result.stdout + result.stderr


def test_start_up_stops_on_a_malformed_clamd_address():
    result = _manage("check", DJANGO_DEBUG="1", CLAMD_URL="http://127.0.0.1:3310")
    assert result.returncode == 2
    assert "Configuration error: CLAMD_URL" in result.stderr


def test_no_model_change_lacks_a_migration(tmp_path):
    # makemigrations opens the database (consistency check): a fresh checkout has no var/.
    result = _manage(
        "makemigrations",
        "--check",
        "--dry-run",
        DJANGO_DEBUG="1",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_runs_without_the_demo_app():
    script = "from django.apps import apps; print(apps.is_installed('demo'))"
    production = {"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "k" * 50}
    result = _manage("shell", "-c", script, **production)
    assert result.stdout.splitlines()[-1] == "False", result.stderr
    result = _manage("shell", "-c", script, **production, DJANGO_DEMO="1")
    assert result.stdout.splitlines()[-1] == "True", result.stderr
