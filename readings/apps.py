from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReadingsConfig(AppConfig):
    name = "readings"
    verbose_name = _("Meter readings and consumption alerts")
