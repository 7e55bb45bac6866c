"""Start-up checks of the SEPA settings."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

from mandates.bank import valid_creditor_id


@register()
def creditor_id_format(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    value = settings.SEPA_CREDITOR_ID
    if value and not valid_creditor_id(value):
        return [
            Error(
                "SEPA_CREDITOR_ID is not a valid SEPA creditor identifier (ICS).",
                hint="Copy it from the Banque de France's letter, e.g. FR12ZZZ123456.",
                id="mandates.E001",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def creditor_id_set(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    if settings.SEPA_CREDITOR_ID:
        return []
    return [
        Warning(
            "SEPA_CREDITOR_ID is not set: signed direct debit mandates carry a placeholder "
            "creditor identifier, which banks refuse.",
            hint="Set SEPA_CREDITOR_ID to the Régie's ICS (Banque de France).",
            id="mandates.W001",
        )
    ]
