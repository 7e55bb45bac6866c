"""Self meter readings ("Transmettre mon index") and consumption alerts.

* ``ReadingWindow``: when the subscribers of a commune may send their index (staff set it).
* ``SelfReading``: the typed details of a request IX-… (``inquiries.Inquiry`` of kind
  ``METER_READING``): the index sent, its state (pending, validated, refused) and who
  decided. The photo, if any, is the request's attachment.
* ``AlertSetting``: an account's consumption alert on one contract (on/off, threshold).
* ``ConsumptionAlert``: a reading of a contract found high (the dashboard banner), and
  ``AlertEmail``: the one email each account got about it (sent at most once).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ReadingWindowQuerySet(models.QuerySet["ReadingWindow"]):
    def open_on(self, day: object) -> ReadingWindowQuerySet:
        return self.filter(opens_on__lte=day, closes_on__gte=day)


class ReadingWindow(models.Model):
    """The days (both included) when a commune's subscribers may send their index."""

    commune = models.ForeignKey(
        "inquiries.Commune",
        verbose_name=_("commune"),
        on_delete=models.CASCADE,
        related_name="reading_windows",
        help_text=_("Applies to the contracts whose postcode is the commune's."),
    )
    opens_on = models.DateField(_("first day"))
    closes_on = models.DateField(_("last day"))

    objects = ReadingWindowQuerySet.as_manager()

    class Meta:
        verbose_name = _("meter reading period")
        verbose_name_plural = _("meter reading periods")
        ordering = ["-opens_on", "commune__name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_on__gte=models.F("opens_on")),
                name="reading_window_order",
            ),
        ]
        indexes = [models.Index(fields=["commune", "closes_on"], name="reading_window_idx")]

    def __str__(self) -> str:
        return f"{self.commune} : {self.opens_on:%d/%m/%Y} – {self.closes_on:%d/%m/%Y}"


class SelfReadingState(models.TextChoices):
    PENDING = "pending", pgettext_lazy("self-reading", "Awaiting validation")
    VALIDATED = "validated", pgettext_lazy("self-reading", "Validated")
    REFUSED = "refused", pgettext_lazy("self-reading", "Refused")


class SelfReading(models.Model):
    """The index a subscriber sent (whole m³), with request IX-… (thread, "Mes demandes")."""

    inquiry = models.OneToOneField(
        "inquiries.Inquiry",
        verbose_name=_("request"),
        on_delete=models.CASCADE,
        related_name="self_reading",
    )
    contract = models.ForeignKey(
        "contracts.Contract",
        verbose_name=_("contract"),
        on_delete=models.CASCADE,
        related_name="self_readings",
    )
    reading_date = models.DateField(_("reading date"))
    index = models.PositiveIntegerField(_("index (m³)"))
    meter_changed = models.BooleanField(_("meter replaced"), default=False)
    # What the form said about the index when it was sent (for the agent who checks it).
    last_index = models.DecimalField(
        _("previous index (m³)"), max_digits=12, decimal_places=3, null=True, blank=True
    )
    confirmed_high = models.BooleanField(_("unusually high, confirmed"), default=False)
    state = models.CharField(
        _("state"), max_length=16, choices=SelfReadingState, default=SelfReadingState.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided on"), null=True, blank=True)
    created_at = models.DateTimeField(_("sent on"), auto_now_add=True)

    class Meta:
        verbose_name = _("self meter reading")
        verbose_name_plural = _("self meter readings")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["contract", "state"], name="self_reading_contract_idx"),
            models.Index(fields=["state", "reading_date"], name="self_reading_state_idx"),
        ]
        permissions = [("validate_selfreading", _("Can validate or refuse a self meter reading"))]

    def __str__(self) -> str:
        return f"{self.contract} – {self.reading_date:%d/%m/%Y} – {self.index} m³"


class AlertSetting(models.Model):
    """An account's consumption alert on one contract."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="consumption_alerts",
    )
    contract = models.ForeignKey(
        "contracts.Contract",
        verbose_name=_("contract"),
        on_delete=models.CASCADE,
        related_name="alert_settings",
    )
    enabled = models.BooleanField(_("alerts on"), default=True)
    threshold_litres_per_day = models.PositiveIntegerField(
        _("threshold (litres per day)"), null=True, blank=True
    )
    # The date of the last reading looked at: readings up to it never alert (those known
    # when the alert was set, and those already checked by an earlier import).
    checked_through = models.DateField(_("readings checked up to"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("consumption alert setting")
        verbose_name_plural = _("consumption alert settings")
        constraints = [
            models.UniqueConstraint(fields=["user", "contract"], name="alert_setting_uniq"),
        ]
        indexes = [models.Index(fields=["enabled", "contract"], name="alert_setting_enabled_idx")]

    def __str__(self) -> str:
        return f"{self.user} – {self.contract}"


class AlertReason(models.TextChoices):
    THRESHOLD = "threshold", _("Above the subscriber's threshold")
    USUAL = "usual", _("More than twice the usual consumption")


class ConsumptionAlert(models.Model):
    """A reading of a contract whose consumption was found high; shown on the dashboard
    until dismissed or until the next reading."""

    contract = models.ForeignKey(
        "contracts.Contract",
        verbose_name=_("contract"),
        on_delete=models.CASCADE,
        related_name="consumption_alerts",
    )
    reading_date = models.DateField(_("reading date"))
    previous_date = models.DateField(_("previous reading"))
    litres_per_day = models.PositiveIntegerField(_("litres per day"))
    usual_litres_per_day = models.PositiveIntegerField(
        _("usual litres per day"), null=True, blank=True
    )
    created_at = models.DateTimeField(_("found on"), auto_now_add=True)
    dismissed_at = models.DateTimeField(_("hidden on"), null=True, blank=True)

    class Meta:
        verbose_name = _("consumption alert")
        verbose_name_plural = _("consumption alerts")
        ordering = ["-reading_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "reading_date"], name="consumption_alert_uniq"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract} – {self.reading_date:%d/%m/%Y}"


class AlertEmail(models.Model):
    """The email an account got about an alert: one per account and reading, ever."""

    alert = models.ForeignKey(
        ConsumptionAlert, verbose_name=_("alert"), on_delete=models.CASCADE, related_name="emails"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    reason = models.CharField(_("reason"), max_length=16, choices=AlertReason)
    sent_at = models.DateTimeField(_("sent on"), auto_now_add=True)

    class Meta:
        verbose_name = _("consumption alert email")
        verbose_name_plural = _("consumption alert emails")
        constraints = [
            models.UniqueConstraint(fields=["alert", "user"], name="alert_email_uniq"),
        ]

    def __str__(self) -> str:
        return f"{self.alert} → {self.user}"
