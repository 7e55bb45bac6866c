"""SEPA direct debit mandates signed in the portal, their stops, and moves out.

Each is the typed detail of a request (``inquiries.Inquiry``, one-to-one, written in the
same transaction): the reference, thread, "Mes demandes", staff reply and emails are the
request's. Bank details are kept encrypted (``core.crypto``, registered for key rotation
in apps.py) with a masked copy for display; the clear IBAN is only in the signed PDF.
"""

from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.db import models, transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core import crypto
from mandates import bank

# Debit days offered for the monthly plan (the billing system debits on these days).
DEBIT_DAYS = (5, 10, 15)


class MandateState(models.TextChoices):
    PENDING = "pending", pgettext_lazy("mandate", "Pending")
    ACTIVE = "active", pgettext_lazy("mandate", "Active")
    STOPPED = "stopped", pgettext_lazy("mandate", "Stopped")
    REFUSED = "refused", pgettext_lazy("mandate", "Refused")


class DebitPlan(models.TextChoices):
    EACH_INVOICE = "invoice", _("At each invoice")
    MONTHLY = "monthly", _("Monthly plan")


class BankDetailsMixin(models.Model):
    """An encrypted IBAN and its masked copy (``set_iban`` / ``iban``)."""

    iban_encrypted = models.TextField(_("IBAN (encrypted)"), blank=True, editable=False)
    iban_masked = models.CharField(_("IBAN"), max_length=60, blank=True, editable=False)

    class Meta:
        abstract = True

    def set_iban(self, value: str) -> None:
        compact = bank.clean_iban(value) if value else ""
        self.iban_encrypted = crypto.encrypt(compact) if compact else ""
        self.iban_masked = bank.mask_iban(compact) if compact else ""

    @property
    def iban(self) -> str:
        """The clear IBAN: for the signed PDF only, never a page, an email or a log."""
        return crypto.decrypt(self.iban_encrypted) if self.iban_encrypted else ""


class MandateQuerySet(models.QuerySet["Mandate"]):
    def for_user(self, user: object) -> MandateQuerySet:
        """The mandates of the contracts this account sees (the access rule of contracts);
        the signed PDF is its signer's only (see the views)."""
        if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
            return self.none()
        return self.filter(contract__payer__account_links__user=user)

    def current(self) -> MandateQuerySet:
        return self.filter(state__in=(MandateState.PENDING, MandateState.ACTIVE))


def mandate_path(instance: Mandate, filename: str) -> str:
    return f"mandates/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.pdf"


class Mandate(BankDetailsMixin):
    inquiry = models.OneToOneField(
        "inquiries.Inquiry",
        verbose_name=_("request"),
        on_delete=models.CASCADE,
        related_name="mandate",
    )
    contract = models.ForeignKey(
        "contracts.Contract",
        verbose_name=_("contract"),
        on_delete=models.CASCADE,
        related_name="mandates",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="mandates",
    )
    rum = models.CharField(_("mandate reference (RUM)"), max_length=35, unique=True)
    state = models.CharField(
        _("state"), max_length=16, choices=MandateState, default=MandateState.PENDING
    )
    plan = models.CharField(_("payment plan"), max_length=16, choices=DebitPlan)
    debit_day = models.PositiveSmallIntegerField(
        _("debit day"), null=True, blank=True, choices=[(d, str(d)) for d in DEBIT_DAYS]
    )
    holder_name = models.CharField(_("account holder"), max_length=70)
    holder_address = models.TextField(_("holder's address"), max_length=300)
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    creditor_id = models.CharField(_("creditor identifier (ICS)"), max_length=35)
    signed_at = models.DateTimeField(_("signed"))
    signed_ip = models.GenericIPAddressField(_("IP address at signature"), null=True, blank=True)
    signed_place = models.CharField(_("place of signature"), max_length=100)
    pdf = models.FileField(_("signed mandate (PDF)"), upload_to=mandate_path, max_length=200)
    pdf_sha256 = models.CharField(_("SHA-256 of the PDF"), max_length=64)
    state_changed_at = models.DateTimeField(_("state changed"), null=True, blank=True)

    objects = MandateQuerySet.as_manager()

    class Meta:
        verbose_name = _("direct debit mandate")
        verbose_name_plural = _("direct debit mandates")
        ordering = ["-signed_at"]
        permissions = [
            ("open_signed_mandate", _("Can open a signed mandate (full IBAN), recorded")),
        ]

    def __str__(self) -> str:
        return self.rum

    @property
    def is_current(self) -> bool:
        return self.state in (MandateState.PENDING, MandateState.ACTIVE)

    @property
    def open_stop(self) -> MandateStop | None:
        """The stop request being handled, if any (uses the prefetched stops)."""
        for stop in self.stops.all():
            if stop.inquiry.is_open:
                return stop
        return None

    @property
    def filename(self) -> str:
        return f"mandat-{self.rum.replace(' ', '-')}.pdf"


class MandateStop(models.Model):
    """A request to stop a mandate (AP-…): the mandate stops once the Régie handles it."""

    inquiry = models.OneToOneField(
        "inquiries.Inquiry",
        verbose_name=_("request"),
        on_delete=models.CASCADE,
        related_name="mandate_stop",
    )
    mandate = models.ForeignKey(
        Mandate, verbose_name=_("mandate"), on_delete=models.CASCADE, related_name="stops"
    )
    created_at = models.DateTimeField(_("requested"), default=timezone.now)

    class Meta:
        verbose_name = _("direct debit stop")
        verbose_name_plural = _("direct debit stops")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.inquiry.reference} ({self.mandate.rum})"


class MoveOut(BankDetailsMixin):
    """A subscriber leaving a contract's address (DM-…): date, final index, where to send
    the final invoice, and optionally an account for a refund."""

    inquiry = models.OneToOneField(
        "inquiries.Inquiry",
        verbose_name=_("request"),
        on_delete=models.CASCADE,
        related_name="move_out",
    )
    contract = models.ForeignKey(
        "contracts.Contract",
        verbose_name=_("contract"),
        on_delete=models.CASCADE,
        related_name="move_outs",
    )
    leaving_date = models.DateField(_("leaving date"))
    meter_index = models.PositiveIntegerField(_("meter index on that day (m³)"))
    forwarding_address = models.TextField(_("address for the final invoice"), max_length=300)
    created_at = models.DateTimeField(_("received"), default=timezone.now)

    class Meta:
        verbose_name = _("move out")
        verbose_name_plural = _("moves out")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.inquiry.reference


@receiver(post_delete, sender=Mandate)
def _delete_mandate_file(sender: type[Mandate], instance: Mandate, **kwargs: object) -> None:
    """The signed PDF goes with its row, once the deletion is committed."""
    storage, name = instance.pdf.storage, instance.pdf.name
    if name:
        transaction.on_commit(lambda: storage.delete(name))


def leaving_date_bounds(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """A move out may be declared up to 7 days after the fact and 90 days ahead."""
    return today - datetime.timedelta(days=7), today + datetime.timedelta(days=90)
