from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MandatesConfig(AppConfig):
    name = "mandates"
    verbose_name = _("Direct debit mandates and moves")

    def ready(self) -> None:
        from contracts.signals import PAGE_HOOKS
        from core import crypto
        from mandates import checks, pages, services  # noqa: F401 - registers the checks

        # Re-encrypted by manage.py rotate_mfa_key with the two-factor secrets.
        crypto.register("mandates.Mandate", "iban_encrypted")
        crypto.register("mandates.MoveOut", "iban_encrypted")
        services.connect()
        if pages.add_services not in PAGE_HOOKS:
            PAGE_HOOKS.append(pages.add_services)
