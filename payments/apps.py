from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = _("Online payment and instalments")

    def ready(self) -> None:
        from contracts.signals import PAGE_HOOKS
        from payments import checks, instalments, pages  # noqa: F401 - registers the checks

        instalments.connect()
        if pages.add_online_payment not in PAGE_HOOKS:
            PAGE_HOOKS.append(pages.add_online_payment)
