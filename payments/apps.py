from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = _("Online payment and instalments")

    def ready(self) -> None:
        from payments import checks, instalments  # noqa: F401 - registers checks and the hook

        instalments.connect()
