"""The audit trail: who did what sensitive thing, when and from which IP.

Never a password, key or token: only the kind of event, the account, the IP and a short
detail such as a contract number. Rows older than ``AUDIT_RETENTION_DAYS`` are deleted
by ``manage.py purge_audit``. Link attempts have their own table (contracts.LinkAttempt);
staff changes are in the admin's LogEntry and, with the IP, here (``audit.admin_log``).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditKind(models.TextChoices):
    LOGIN = "login", _("Login")
    LOGIN_FAILED = "login_failed", _("Failed login")
    LOGOUT = "logout", _("Logout")
    KEY_GENERATED = "key_generated", _("Contract key generated")
    KEY_SET = "key_set", _("Contract key typed by staff")
    ACCOUNT_DELETED = "account_deleted", _("Account deleted")
    STAFF_CHANGE = "staff_change", _("Change made in the admin")
    UPLOAD_INFECTED = "upload_infected", _("Infected file refused")


class AuditEvent(models.Model):
    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    kind = models.CharField(_("event"), max_length=20, choices=AuditKind)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    # A contract number or an account id; never a secret.
    detail = models.CharField(_("detail"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"
