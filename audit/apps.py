from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Audit trail")

    def ready(self) -> None:
        from audit import admin_log, signals  # noqa: F401  (connects the receivers)

        admin_log.audit_every_admin()
