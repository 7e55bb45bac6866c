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
    ACTIVATION_RESENT = "activation_resent", _("Activation link sent again by staff")
    RESET_SENT = "reset_sent", _("Password reset link sent by staff")
    ACCOUNT_UNLOCKED = "account_unlocked", _("Login lock lifted by staff")
    LINK_UNLOCKED = "link_unlocked", _("Contract-link lock lifted by staff")
    SESSIONS_ENDED = "sessions_ended", _("Sessions ended by staff")
    LINK_ALERT = "link_alert", _("Contract number under repeated wrong keys")
    BILLING_IMPORT = "billing_import", _("Billing import")


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
    # The account a staff member acted on (support actions): the subscriber page lists
    # what was done to an account as well as what it did.
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account concerned"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # In words: a contract number, a request reference, an address, counts; never a secret.
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    # Why staff did it, as typed by the agent (support actions).
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {timezone.localtime(self.at):%d/%m/%Y %H:%M}"
