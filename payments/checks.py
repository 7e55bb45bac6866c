"""Start-up checks of the online payment settings."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Warning, register


@register()
def payfip_settings(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    found: list[Any] = []
    if settings.DEBUG:
        return found
    if settings.PAYFIP_SIMULATOR:
        found.append(
            Error(
                "PAYFIP_SIMULATOR is on in production: anyone could pay with a fake PayFiP.",
                hint="Unset PAYFIP_SIMULATOR (it follows DJANGO_DEBUG).",
                id="payments.E001",
            )
        )
    if not (settings.PAYFIP_NUMCLI and settings.PAYFIP_URL):
        return found
    if settings.PAYFIP_MODE == "T":
        found.append(
            Warning(
                "PAYFIP_MODE is T (test): no payment is real.",
                hint="Use X while the DGFiP activates the service, then W.",
                id="payments.W001",
            )
        )
    for name in ("PAYFIP_URL", "PAYFIP_PAYMENT_URL"):
        value = getattr(settings, name)
        if value and not value.startswith("https://"):
            found.append(Warning(f"{name} is not an https:// address.", id="payments.W002"))
    if not settings.SITE_URL.startswith("https://"):
        found.append(
            Warning(
                "SITE_URL is not https://: PayFiP's notification and return would travel in clear.",
                id="payments.W003",
            )
        )
    return found
