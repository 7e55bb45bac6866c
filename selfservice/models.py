"""The three self-services of issue #20: attestations d'abonnement, leak relief requests
(écrêtement pour fuite) and paper-free invoices (facture électronique) with their emails.

The billing system stays the truth: an attestation prints what the contract row says at
the time it is issued and keeps a copy of it; a paperless choice is recorded here and
exported for the billing system, whose ``Contract.paperless`` decides what it does.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# ---------------------------------------------------------------------------------------
# Attestations d'abonnement
# ---------------------------------------------------------------------------------------

# Upper-case letters and digits without look-alikes (no 0/O, 1/I/L, 5/S, 2/Z, 8/B): the
# code is read off paper and typed by a landlord or a bank.
CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
CODE_GROUPS = 4
CODE_GROUP_LENGTH = 4
# 16 characters from 25: about 74 bits, far beyond what the rate limit lets anyone try.
CODE_LENGTH = CODE_GROUPS * CODE_GROUP_LENGTH


def generate_code() -> str:
    """A new random code, ``XXXX-XXXX-XXXX-XXXX`` (``secrets``: unguessable)."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return format_code(raw)


def format_code(raw: str) -> str:
    return "-".join(raw[i : i + CODE_GROUP_LENGTH] for i in range(0, len(raw), CODE_GROUP_LENGTH))


def normalize_code(typed: str) -> str | None:
    """The stored form of a code as typed (any case, spaces or dashes), or None when it
    cannot be one (wrong length or a character outside the alphabet)."""
    raw = "".join(ch for ch in (typed or "")[:64].upper() if ch not in " -.\t")
    if len(raw) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in raw):
        return None
    return format_code(raw)


class Attestation(models.Model):
    """One attestation d'abonnement as issued: what was printed, and its code.

    The holder's name and the address are copied as printed, so that the public page
    confirms exactly what the paper shows, even after the contract changes or ends.
    """

    # Stored as printed: it protects no account, only confirms a paper; staff find an
    # attestation by the code a bank reads them on the phone. Not enumerable: 74 bits and
    # a rate-limited page.
    code = models.CharField(_("verification code"), max_length=19, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="attestations",
    )
    contract = models.ForeignKey(
        "contracts.Contract",
        verbose_name=_("contract"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="attestations",
    )
    holder_name = models.CharField(_("holder, as printed"), max_length=200)
    service_address = models.CharField(_("address, as printed"), max_length=320)
    contract_start = models.DateField(_("contract start, as printed"), null=True, blank=True)
    issued_at = models.DateTimeField(_("issued"), default=timezone.now, db_index=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revocation_reason = models.CharField(_("reason for revoking"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("attestation d'abonnement")
        verbose_name_plural = _("attestations d'abonnement")
        ordering = ["-issued_at"]
        indexes = [
            models.Index(fields=["contract", "-issued_at"], name="attestation_contract_idx"),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


# ---------------------------------------------------------------------------------------
# Leak relief (écrêtement pour fuite)
# ---------------------------------------------------------------------------------------


class LeakRequest(models.Model):
    """The details of a leak relief request (``InquiryKind.LEAK``): its reference, thread,
    status and the plumber's attestation (an attachment) are the request's."""

    inquiry = models.OneToOneField(
        "inquiries.Inquiry",
        verbose_name=_("request"),
        on_delete=models.CASCADE,
        related_name="leak",
    )
    contract = models.ForeignKey(
        "contracts.Contract",
        verbose_name=_("contract"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="leak_requests",
    )
    invoice = models.ForeignKey(
        "contracts.Invoice",
        verbose_name=_("invoice"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="leak_requests",
    )
    # Copies: the request stays readable if the billing data changes.
    invoice_number = models.CharField(_("invoice number"), max_length=32, db_index=True)
    billed_volume = models.DecimalField(
        _("volume billed (m³)"), max_digits=12, decimal_places=3, null=True, blank=True
    )
    reference_volume = models.DecimalField(
        _("average volume for the same period (m³)"),
        max_digits=12,
        decimal_places=3,
        null=True,
        blank=True,
        help_text=_(
            "Empty when the contract has no history: the Régie compares with similar homes."
        ),
    )
    leak_location = models.CharField(_("where the leak was"), max_length=300)
    repair_date = models.DateField(_("repair date"))

    class Meta:
        verbose_name = _("leak relief request")
        verbose_name_plural = _("leak relief requests")
        ordering = ["-inquiry__created_at"]

    def __str__(self) -> str:
        return f"{self.inquiry.reference} – {self.invoice_number}"


# ---------------------------------------------------------------------------------------
# Paper-free invoices (facture électronique)
# ---------------------------------------------------------------------------------------


class PaperlessChoice(models.Model):
    """An account's choice for a contract: invoices by email only, or on paper.

    The times of the consent and of its withdrawal are kept. The billing system reads the
    choices from the admin's CSV export; its ``Contract.paperless`` says what it does.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="paperless_choices",
    )
    contract = models.ForeignKey(
        "contracts.Contract",
        verbose_name=_("contract"),
        on_delete=models.CASCADE,
        related_name="paperless_choices",
    )
    paperless = models.BooleanField(_("paper-free invoices"))
    consented_at = models.DateTimeField(_("consent given"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("consent withdrawn"), null=True, blank=True)
    changed_at = models.DateTimeField(_("last change"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("e-invoice choice")
        verbose_name_plural = _("e-invoice choices")
        ordering = ["-changed_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "contract"], name="paperless_user_contract"),
        ]

    def __str__(self) -> str:
        return f"{self.contract} – {self.user}"


class InvoiceNotice(models.Model):
    """One "Votre facture est disponible" email, for one invoice and one account: the
    unique constraint makes a second import of the same invoice send nothing."""

    invoice = models.ForeignKey(
        "contracts.Invoice",
        verbose_name=_("invoice"),
        on_delete=models.CASCADE,
        related_name="notices",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="invoice_notices",
    )
    email = models.ForeignKey(
        "accounts.OutgoingEmail",
        verbose_name=_("email"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("invoice notice email")
        verbose_name_plural = _("invoice notice emails")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "user"], name="invoice_notice_once"),
        ]

    def __str__(self) -> str:
        return f"{self.invoice} – {self.user}"
