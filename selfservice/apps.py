from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SelfServiceConfig(AppConfig):
    name = "selfservice"
    verbose_name = _("Attestations, leak relief and e-invoices")
