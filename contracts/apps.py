from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractsConfig(AppConfig):
    name = "contracts"
    verbose_name = _("Contracts")

    def ready(self) -> None:
        from audit.services import retain
        from contracts import fragments
        from contracts.models import LinkAttempt

        # Billing data changed: the kept contract pages are retired.
        fragments.connect_signals()
        # Link attempts (account, IP) are kept as long as the audit trail.
        retain("link attempt(s)", lambda cutoff: LinkAttempt.objects.filter(created_at__lt=cutoff))
