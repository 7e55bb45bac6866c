"""Typed readers for the environment variables the settings use.

Each reader fails loudly with ``ImproperlyConfigured`` naming the variable, so a
malformed value stops start-up with a message instead of a traceback deep in Django.
Secrets can also come from ``NAME_FILE`` (container secrets).
"""

import os
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    """A plain string; ``NAME_FILE`` wins when set (the file's content, stripped)."""
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        try:
            return Path(file_path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE: cannot read {file_path!r} ({exc})") from exc
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}: expected 1/0, true/false, yes/no or on/off, got {raw!r}")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}: expected a whole number, got {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}: must be at least {minimum}, got {value}")
    return value


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default or [])
    return [item.strip() for item in raw.split(",") if item.strip()]


def parse_site_url(name: str, raw: str) -> str:
    """``SITE_URL``: scheme and host (and port), no path."""
    parts = urlsplit(raw)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ImproperlyConfigured(f"{name}: expected http(s)://host[:port], got {raw!r}")
    if parts.path not in {"", "/"} or parts.query or parts.fragment:
        raise ImproperlyConfigured(f"{name}: must not have a path, query or fragment: {raw!r}")
    return f"{parts.scheme}://{parts.netloc}"


def parse_database_url(name: str, raw: str) -> dict[str, Any]:
    """``DATABASE_URL``: ``sqlite:///path`` or ``postgres://user:pass@host:port/name``."""
    scheme = raw.split("://", 1)[0] if "://" in raw else ""
    if scheme not in {"sqlite", "postgres", "postgresql", "pgsql"}:
        raise ImproperlyConfigured(
            f"{name}: expected sqlite:///path or postgres://user:pass@host:port/name, got {raw!r}"
        )
    try:
        config = dj_database_url.parse(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}: {exc}") from exc
    if scheme != "sqlite" and not config.get("NAME"):
        raise ImproperlyConfigured(f"{name}: the database name is missing in {raw!r}")
    return dict(config)


def parse_email_url(name: str, raw: str) -> dict[str, Any]:
    """``EMAIL_URL`` → one entry of Django 6.1's ``MAILERS``.

    console://, locmem://, smtp://user:pass@host:port (plain), smtp+tls://… (STARTTLS),
    smtps://… (implicit TLS). ``?timeout=10`` is honoured.
    """
    parts = urlsplit(raw)
    scheme = parts.scheme
    if scheme == "console":
        # Readable in the terminal: links unbroken (core/mail.py).
        return {"BACKEND": "core.mail.EmailBackend"}
    if scheme == "locmem":
        return {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    if scheme not in {"smtp", "smtp+tls", "smtps"}:
        raise ImproperlyConfigured(
            f"{name}: expected console://, smtp://, smtp+tls:// or smtps://, got {raw!r}"
        )
    if not parts.hostname:
        raise ImproperlyConfigured(f"{name}: the SMTP host is missing in {raw!r}")
    try:
        port = parts.port
    except ValueError:
        raise ImproperlyConfigured(f"{name}: the SMTP port is not a number in {raw!r}") from None
    query = parse_qs(parts.query)
    try:
        timeout = int(query.get("timeout", ["10"])[0])
    except ValueError:
        raise ImproperlyConfigured(f"{name}: timeout must be a whole number") from None
    options: dict[str, Any] = {
        "host": parts.hostname,
        "port": port or {"smtp": 25, "smtp+tls": 587, "smtps": 465}[scheme],
        "username": unquote(parts.username or ""),
        "password": unquote(parts.password or ""),
        "use_tls": scheme == "smtp+tls",
        "use_ssl": scheme == "smtps",
        "timeout": timeout,
    }
    return {"BACKEND": "django.core.mail.backends.smtp.EmailBackend", "OPTIONS": options}


def parse_cache_url(name: str, raw: str) -> dict[str, Any]:
    """``CACHE_URL``: ``db://table`` (default, shared across processes), ``redis://…``,
    ``locmem://`` (one process only: tests or experiments) or ``dummy://``."""
    parts = urlsplit(raw)
    if parts.scheme in {"redis", "rediss", "unix"}:
        return {"BACKEND": "core.cache.RedisCache", "LOCATION": raw}
    if parts.scheme == "db":
        table = (parts.netloc + parts.path).strip("/") or "portal_cache"
        # Sessions, rate-limit counters and kept contract pages all live here: Django's
        # default of 300 entries would cull rate-limit counters under ordinary use.
        return {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": table,
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    if parts.scheme == "locmem":
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    if parts.scheme == "dummy":
        return {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    raise ImproperlyConfigured(f"{name}: expected db://table, redis://host:port/db, got {raw!r}")
