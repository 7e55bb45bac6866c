from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SelfServiceConfig(AppConfig):
    name = "selfservice"
    verbose_name = _("Attestations, leak relief and e-invoices")

    def ready(self) -> None:
        from contracts.signals import PAGE_HOOKS
        from selfservice import einvoice, pages

        einvoice.connect()
        if pages.add_self_services not in PAGE_HOOKS:
            PAGE_HOOKS.append(pages.add_self_services)
