"""Requests to the Régie: subscription requests and contact messages, with their thread.

A request (``Inquiry``) has a reference like ``DA-2026-000123`` (subscription) or
``CT-2026-000456`` (contact), numbered per kind and per year by ``ReferenceCounter``. Its
messages, from the subscriber or from the Régie, form the thread shown in "Mes demandes";
attachments are private files served only through a view.
"""

from __future__ import annotations

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models, transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Commune(models.Model):
    """A commune the Régie serves (staff keep the list up to date in the admin)."""

    name = models.CharField(_("name"), max_length=100)
    postcode = models.CharField(_("postcode"), max_length=5)
    active = models.BooleanField(
        _("served"), default=True, help_text=_("Only served communes are offered in the forms.")
    )

    class Meta:
        verbose_name = _("commune")
        verbose_name_plural = _("communes")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["name", "postcode"], name="commune_name_postcode"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.postcode})"


class InquiryKind(models.TextChoices):
    SUBSCRIPTION = "subscription", _("Subscription request")
    CONTACT = "contact", _("Contact message")
    # The self-services: each keeps its own details in its app, one-to-one with the
    # request (readings, mandates, selfservice); the thread, reference, "Mes demandes",
    # the staff reply and the emails are the request's.
    METER_READING = "meter_reading", _("Meter reading")
    MANDATE = "mandate", _("Direct debit mandate")
    MANDATE_STOP = "mandate_stop", _("Direct debit stop")
    MOVE_OUT = "move_out", _("Moving out")
    LEAK = "leak", _("Leak relief request")


REFERENCE_PREFIX = {
    InquiryKind.SUBSCRIPTION: "DA",
    InquiryKind.CONTACT: "CT",
    InquiryKind.METER_READING: "IX",
    InquiryKind.MANDATE: "MP",
    InquiryKind.MANDATE_STOP: "AP",
    InquiryKind.MOVE_OUT: "DM",
    InquiryKind.LEAK: "EF",
}


class InquiryStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Handled")
    REFUSED = "refused", _("Refused")


OPEN_STATUSES = (InquiryStatus.RECEIVED, InquiryStatus.IN_PROGRESS)


class ContactSubject(models.TextChoices):
    INVOICE = "invoice", _("Invoice")
    METER = "meter", _("Meter and reading")
    LEAK = "leak", _("Leak")
    MOVING = "moving", _("Moving in or out")
    OTHER = "other", _("Other")


class Civility(models.TextChoices):
    MADAME = "mme", _("Mrs")
    MONSIEUR = "m", _("Mr")


class Occupancy(models.TextChoices):
    OWNER = "owner", _("Owner")
    TENANT = "tenant", _("Tenant")


class ReferenceCounter(models.Model):
    """The last number given per (kind, year); locked with SELECT … FOR UPDATE."""

    kind = models.CharField(max_length=16, choices=InquiryKind)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "year"], name="reference_counter_kind_year"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.year}: {self.last}"


class InquiryQuerySet(models.QuerySet["Inquiry"]):
    def for_user(self, user: object) -> InquiryQuerySet:
        """The requests of this account (none for anonymous or inactive accounts)."""
        if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
            return self.none()
        return self.filter(user=user)


class Inquiry(models.Model):
    kind = models.CharField(_("kind"), max_length=16, choices=InquiryKind)
    reference = models.CharField(_("reference"), max_length=16, unique=True, editable=False)
    status = models.CharField(
        _("status"), max_length=16, choices=InquiryStatus, default=InquiryStatus.RECEIVED
    )
    # Deleting an account deletes its requests (and their files): the account-deletion
    # promise is "every personal datum". Visitors' requests have no account.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="inquiries",
    )
    email = models.EmailField(_("email address"), max_length=254)
    subject = models.CharField(_("subject"), max_length=16, choices=ContactSubject, blank=True)
    contract = models.ForeignKey(
        "contracts.Contract",
        verbose_name=_("contract"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inquiries",
    )
    # The applicant and the supply (subscription requests).
    civility = models.CharField(_("title"), max_length=4, choices=Civility, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    street = models.CharField(_("address to supply"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=5, blank=True)
    commune = models.ForeignKey(
        Commune,
        verbose_name=_("commune"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="inquiries",
    )
    start_date = models.DateField(_("desired start date"), null=True, blank=True)
    occupancy = models.CharField(_("owner or tenant"), max_length=8, choices=Occupancy, blank=True)
    meter_number = models.CharField(_("meter number"), max_length=32, blank=True)
    meter_index = models.PositiveIntegerField(_("meter index (m³)"), null=True, blank=True)
    billing_address = models.TextField(_("billing address"), max_length=300, blank=True)
    consent_at = models.DateTimeField(_("consent given"), null=True, blank=True)
    created_at = models.DateTimeField(_("received"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = InquiryQuerySet.as_manager()

    class Meta:
        verbose_name = _("request")
        verbose_name_plural = _("requests")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "-created_at"], name="inquiry_user_created_idx")]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def topic(self) -> str:
        """What a list shows as the subject."""
        if self.kind == InquiryKind.CONTACT:
            return self.get_subject_display()
        return self.get_kind_display()

    @property
    def applicant(self) -> str:
        return " ".join(
            p for p in (self.get_civility_display(), self.first_name, self.last_name) if p
        )


class MessageAuthor(models.TextChoices):
    SUBSCRIBER = "subscriber", _("Subscriber")
    REGIE = "regie", _("Régie")


class Message(models.Model):
    """One message of a request's thread."""

    inquiry = models.ForeignKey(
        Inquiry, verbose_name=_("request"), on_delete=models.CASCADE, related_name="messages"
    )
    author = models.CharField(_("from"), max_length=16, choices=MessageAuthor)
    # The agent who wrote a Régie message (never shown to the subscriber).
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    body = models.TextField(_("message"))
    created_at = models.DateTimeField(_("date"), default=timezone.now)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.inquiry.reference} – {self.get_author_display()}"


def attachment_path(instance: Attachment, filename: str) -> str:
    # Never the sender's file name: a generated name, the checked extension only.
    suffix = PurePosixPath(filename).suffix.lower()
    return f"inquiries/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class Attachment(models.Model):
    """A file sent with a request: stored privately, served only by ``inquiries:attachment``."""

    inquiry = models.ForeignKey(
        Inquiry, verbose_name=_("request"), on_delete=models.CASCADE, related_name="attachments"
    )
    message = models.ForeignKey(
        Message,
        verbose_name=_("message"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="attachments",
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=40)
    size = models.PositiveIntegerField(_("size (bytes)"))
    created_at = models.DateTimeField(_("date"), default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.original_name


@receiver(post_delete, sender=Attachment)
def _delete_attachment_file(
    sender: type[Attachment], instance: Attachment, **kwargs: object
) -> None:
    """The file goes with its row, once the deletion is committed."""
    storage, name = instance.file.storage, instance.file.name
    if name:
        transaction.on_commit(lambda: storage.delete(name))
