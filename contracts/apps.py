from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractsConfig(AppConfig):
    name = "contracts"
    verbose_name = _("Contracts")

    def ready(self) -> None:
        from audit.services import retain
        from contracts import access, fragments, pageparts
        from contracts.models import LinkAttempt

        # Billing data changed: the kept contract pages are retired.
        fragments.connect_signals()
        # The generation is read with every logged-in session (accounts.sessionstore).
        from core import prefetch

        prefetch.register("contracts.generation", lambda account_id: [fragments.GENERATION_KEY])
        prefetch.register("contracts.visible", access.prefetched_keys)
        # Kept by the page in each process (fragments._local): no near copy as well.
        prefetch.register("contracts.figures", fragments.prefetched_keys, near=False)
        prefetch.register("contracts.switchers", pageparts.prefetched_keys)
        # Link attempts (account, IP) are kept as long as the audit trail.
        retain("link attempt(s)", lambda cutoff: LinkAttempt.objects.filter(created_at__lt=cutoff))
