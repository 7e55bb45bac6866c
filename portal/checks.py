"""System checks that catch a production configuration that cannot work."""

from typing import Any

from django.conf import settings
from django.core.checks import Warning, register


@register(deploy=True)
def check_production_config(app_configs: Any, **kwargs: Any) -> list[Warning]:
    warnings: list[Warning] = []
    backend = settings.MAILERS["default"].get("BACKEND", "")
    if not backend.endswith("smtp.EmailBackend"):
        warnings.append(
            Warning(
                "No SMTP server is configured: no activation or reset email can be delivered.",
                hint="Set EMAIL_URL to smtp://, smtp+tls:// or smtps://.",
                id="portal.W001",
            )
        )
    if not settings.SITE_URL.startswith("https://"):
        warnings.append(
            Warning(
                "SITE_URL is not https://: links in emails and secure cookies need HTTPS.",
                hint="Set SITE_URL=https://your.host.",
                id="portal.W002",
            )
        )
    cache_backend = settings.CACHES["default"]["BACKEND"]
    if cache_backend.endswith(("LocMemCache", "DummyCache")):
        warnings.append(
            Warning(
                "The cache is not shared between processes: rate limits would not hold.",
                hint="Set CACHE_URL to db://table or redis://host:port/db.",
                id="portal.W003",
            )
        )
    if settings.TASKS["default"]["BACKEND"].endswith("ImmediateBackend"):
        warnings.append(
            Warning(
                "Emails are sent inside the request: an SMTP outage would lose them.",
                hint="Set TASKS_BACKEND=database and run `manage.py db_worker`.",
                id="portal.W004",
            )
        )
    if not settings.CLAMD_URL:
        warnings.append(
            Warning(
                "Attachments are stored without a virus scan.",
                hint="Run clamd (Debian: clamav-daemon) and set CLAMD_URL to "
                "tcp://host:3310 or unix:///run/clamav/clamd.ctl.",
                id="portal.W005",
            )
        )
    return warnings
