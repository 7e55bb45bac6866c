from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReadingsConfig(AppConfig):
    name = "readings"
    verbose_name = _("Meter readings and consumption alerts")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from contracts.signals import PAGE_HOOKS, billing_import
        from readings import imports, pages
        from readings.models import ConsumptionAlert, ReadingWindow, SelfReading
        from readings.services import retire_pages

        if pages.add_readings not in PAGE_HOOKS:
            PAGE_HOOKS.append(pages.add_readings)
        billing_import.connect(imports.on_billing_import, dispatch_uid="readings-import")
        for model in (SelfReading, ReadingWindow, ConsumptionAlert):
            name = model.__name__
            post_save.connect(retire_pages, sender=model, dispatch_uid=f"readings-{name}")
            post_delete.connect(retire_pages, sender=model, dispatch_uid=f"readings-del-{name}")
