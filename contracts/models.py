"""What the Régie's billing system knows: payers, contracts, readings, invoices, payments.

The billing system is the source of truth; rows arrive through ``manage.py import_billing``
(see ``contracts.billing``) or, for fixes, through the staff admin. Derived facts
(consumption between readings, the status of an invoice) are computed, never stored.
"""

from __future__ import annotations

import datetime
import re
import secrets
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, TypedDict

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, F, OuterRef, Q, Subquery, Value, When, Window
from django.db.models.functions import Lag
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from contracts.templatetags.fr_format import dmy
from core.identity import REGIE

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

# ---------------------------------------------------------------------------------------
# Contract numbers and keys
# ---------------------------------------------------------------------------------------

# Five digits, five digits, two digits (ASCII only); between the groups any run of spaces, dots,
# dashes, slashes or underscores (what people type from a paper invoice), or nothing.
_NUMBER_RE = re.compile(r"([0-9]{5})[ \t./_-]*([0-9]{5})[ \t./_-]*([0-9]{2})")

# Alphabet of generated keys: upper-case letters and digits without look-alikes
# (no 0/O, 1/I/L, 5/S, 2/Z, 8/B), so a key read off paper is typed right the first time.
KEY_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
KEY_LENGTH = 8


def normalize_contract_number(raw: str) -> str:
    """The canonical ``NNNNN.NNNNN.NN`` form of a contract number, or ``ValueError``.

    Accepts ``11301.11377.01``, ``113011137701``, ``11301 11377 01``, ``11301-11377/01``…
    and rejects anything else (letters, wrong number of digits, separators inside a group).
    """
    match = _NUMBER_RE.fullmatch((raw or "").strip())
    if not match:
        raise ValueError(f"invalid contract number: {raw!r}")
    return ".".join(match.groups())


def validate_contract_number(value: str) -> None:
    try:
        canonical = normalize_contract_number(value)
    except ValueError:
        canonical = None
    if canonical != value:
        raise ValidationError(
            _("Enter a contract number in the form 11301.11377.01."), code="invalid"
        )


def normalize_key(raw: str) -> str:
    """What is hashed and compared: the key without surrounding or inner blanks.

    Keys are compared case-insensitively: they are printed in capitals, and phones
    capitalise (or not) what people type.
    """
    return "".join((raw or "").split()).upper()


def generate_key(length: int = KEY_LENGTH) -> str:
    """A new random key, to be printed on the next invoice."""
    return "".join(secrets.choice(KEY_ALPHABET) for _ in range(length))


def hash_key(raw: str) -> str:
    """The salted hash stored for a key (Argon2, the first of PASSWORD_HASHERS)."""
    return make_password(normalize_key(raw))


# ---------------------------------------------------------------------------------------
# Choices
# ---------------------------------------------------------------------------------------


class ContractStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    TERMINATED = "terminated", _("Terminated")


class PaymentMethod(models.TextChoices):
    DIRECT_DEBIT = "direct_debit", _("Direct debit")
    MONTHLY_PLAN = "monthly_plan", _("Monthly direct debit plan")
    CARD = "card", _("Bank card")
    TRANSFER = "transfer", _("Bank transfer")
    TIP = "tip", _("TIP (interbank payment order)")
    CHEQUE = "cheque", _("Cheque")
    CASH = "cash", _("Cash")
    OTHER = "other", _("Other")


class ReadingKind(models.TextChoices):
    REAL = "real", _("Read by the Régie")
    ESTIMATED = "estimated", _("Estimated")
    SELF = "self", _("Self-read")
    REMOTE = "remote", _("Remote reading")


class InvoiceStatus(models.TextChoices):
    PAID = "paid", _("Paid")
    TO_PAY = "to_pay", _("To pay")
    OVERDUE = "overdue", _("Overdue")


class DocumentKind(models.TextChoices):
    REGULATIONS = "regulations", _("Service regulations")
    TARIFFS = "tariffs", _("Tariffs")


# ---------------------------------------------------------------------------------------
# Payers
# ---------------------------------------------------------------------------------------


class Payer(models.Model):
    """The person or body billed (redevable); owns one or more contracts."""

    reference = models.CharField(_("reference"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("email address"), blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    address = models.TextField(_("billing address"), blank=True)

    class Meta:
        verbose_name = _("payer")
        verbose_name_plural = _("payers")
        ordering = ["name", "reference"]

    def __str__(self) -> str:
        return f"{self.name} ({self.reference})"


# ---------------------------------------------------------------------------------------
# Contracts
# ---------------------------------------------------------------------------------------


class ContractQuerySet(models.QuerySet["Contract"]):
    def for_payers(self, payers: Iterable[Payer | int] | models.QuerySet) -> ContractQuerySet:
        """Contracts of these payers (instances, ids or a queryset of payers)."""
        if isinstance(payers, models.QuerySet):
            return self.filter(payer__in=payers)
        ids = [p.pk if isinstance(p, Payer) else p for p in payers]
        return self.filter(payer_id__in=ids)

    def by_number(self, raw: str) -> ContractQuerySet:
        """The contract with this number as typed (any accepted form), or none."""
        try:
            return self.filter(number=normalize_contract_number(raw))
        except ValueError:
            return self.none()

    def for_user(self, user: object) -> ContractQuerySet:
        """Contracts an account may see: those whose payer is linked to it (the access rule).

        Anonymous or inactive accounts see none. See ``contracts.access``.
        """
        if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
            return self.none()
        return self.filter(payer__account_links__user=user)


class Contract(models.Model):
    """One water supply at one address (contrat d'abonnement)."""

    number = models.CharField(
        _("contract number"),
        max_length=14,
        unique=True,
        validators=[validate_contract_number],
        help_text=_("In the form 11301.11377.01."),
    )
    # Indexed by (payer, number) below: no separate single-column index to maintain.
    payer = models.ForeignKey(
        Payer,
        verbose_name=_("payer"),
        on_delete=models.PROTECT,
        related_name="contracts",
        db_index=False,
    )
    # Only a salted hash; the key itself is never stored nor shown again.
    key_hash = models.CharField(_("key hash"), max_length=256, blank=True, editable=False)
    # When staff last set or generated the key in the portal: the billing import keeps
    # such a key when its export is older (contracts/billing/run.py).
    key_changed_by_staff_at = models.DateTimeField(
        _("key changed by staff"), null=True, blank=True, editable=False
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ContractStatus, default=ContractStatus.ACTIVE
    )
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    street = models.CharField(_("service address"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=10, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    meter_number = models.CharField(_("meter number"), max_length=32, blank=True)
    usage = models.CharField(_("usage"), max_length=64, blank=True)
    payment_method = models.CharField(
        _("payment method"), max_length=16, choices=PaymentMethod, blank=True
    )
    paperless = models.BooleanField(_("paperless billing"), default=False)
    # A meter read remotely needs no index from the subscriber ("Transmettre mon index").
    # db_default too: the import COPYs new contracts without the column when the export
    # does not have it.
    remote_reading = models.BooleanField(
        _("meter read remotely"),
        default=False,
        db_default=False,
        help_text=_("From the billing export's contracts.csv (remote_reading column)."),
    )

    objects = ContractQuerySet.as_manager()

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["number"]
        indexes = [
            models.Index(fields=["payer", "number"], name="contract_payer_idx"),
            models.Index(fields=["city"], name="contract_city_idx"),
        ]
        permissions = [
            ("set_contract_key", _("Can set or generate a contract key")),
            ("import_billing", _("Can import the billing system export")),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def service_address(self) -> str:
        town = " ".join(part for part in (self.postcode, self.city) if part)
        return ", ".join(part for part in (self.street, town) if part)

    @property
    def pays_by_direct_debit(self) -> bool:
        return self.payment_method in {PaymentMethod.DIRECT_DEBIT, PaymentMethod.MONTHLY_PLAN}

    @property
    def has_key(self) -> bool:
        return bool(self.key_hash)

    def set_key(self, raw: str) -> None:
        """Store the hash of a key (call ``save()`` afterwards)."""
        if not normalize_key(raw):
            raise ValueError("a contract key cannot be empty")
        self.key_hash = hash_key(raw)

    def check_key(self, raw: str) -> bool:
        """Whether ``raw`` (as typed: blanks and case do not matter) is this contract's key.

        Constant-time; a contract without a key accepts none.
        """
        key = normalize_key(raw)
        if not self.key_hash or not key:
            # Spend the same time as a real check, so timing tells nothing.
            make_password(key or "x")
            return False
        return check_password(key, self.key_hash)

    def regulations_in_force(self, on: datetime.date | None = None) -> ServiceDocument | None:
        return ServiceDocument.objects.in_force(on=on, kind=DocumentKind.REGULATIONS)


# ---------------------------------------------------------------------------------------
# Meter readings
# ---------------------------------------------------------------------------------------


class ConsumptionFields(TypedDict):
    """What ``MeterReadingQuerySet.with_consumption`` adds to each reading."""

    previous_index: Decimal | None
    consumption: Decimal | None


class MeterReadingQuerySet(models.QuerySet["MeterReading"]):
    def with_consumption(
        self,
    ) -> models.QuerySet[WithAnnotations[MeterReading, ConsumptionFields]]:
        """Readings annotated with ``previous_index`` and ``consumption`` (m³ since the
        previous reading of the same contract; ``None`` for the first one).

        One query: a window function over each contract's readings. Filters applied
        after this call do not change which reading counts as previous.
        """
        previous = Window(Lag("index"), partition_by=[F("contract_id")], order_by=F("date").asc())
        # The plugin types annotate() with its own unnamed TypedDict (fields typed Any),
        # which mypy will not match with ConsumptionFields (django-stubs issue #1190).
        return self.annotate(previous_index=previous).annotate(  # type: ignore[return-value]
            consumption=F("index") - F("previous_index")
        )


class MeterReading(models.Model):
    """The cumulative index read on a contract's meter at a date."""

    # Indexed by a (contract, date) index below, which also serves the foreign key.
    contract = models.ForeignKey(
        Contract,
        verbose_name=_("contract"),
        on_delete=models.CASCADE,
        related_name="readings",
        db_index=False,
    )
    date = models.DateField(_("date"))
    index = models.DecimalField(_("index (m³)"), max_digits=12, decimal_places=3)
    kind = models.CharField(_("kind"), max_length=16, choices=ReadingKind, default=ReadingKind.REAL)

    objects = MeterReadingQuerySet.as_manager()

    class Meta:
        verbose_name = _("meter reading")
        verbose_name_plural = _("meter readings")
        ordering = ["contract_id", "-date"]  # by id: no join to order by contract number
        constraints = [
            # Also the (contract, date) index the pages and the import use.
            models.UniqueConstraint(fields=["contract", "date"], name="reading_contract_date_uniq"),
        ]

    def __str__(self) -> str:
        return f"{self.contract} – {self.date:%d/%m/%Y}"


# ---------------------------------------------------------------------------------------
# Invoices
# ---------------------------------------------------------------------------------------


def _today() -> datetime.date:
    return timezone.localdate()


class StatusField(TypedDict):
    """What ``InvoiceQuerySet.with_status`` adds to each invoice."""

    status_code: str


class InvoiceQuerySet(models.QuerySet["Invoice"]):
    def with_status(
        self, today: datetime.date | None = None
    ) -> models.QuerySet[WithAnnotations[Invoice, StatusField]]:
        """Annotate ``status_code`` (an ``InvoiceStatus`` value), same rule as ``status``."""
        today = today or _today()
        # As in with_consumption: the plugin's unnamed TypedDict does not match StatusField.
        return self.annotate(  # type: ignore[return-value]
            status_code=Case(
                When(amount_due__lte=0, then=Value(InvoiceStatus.PAID.value)),
                When(due_date__lt=today, then=Value(InvoiceStatus.OVERDUE.value)),
                default=Value(InvoiceStatus.TO_PAY.value),
                output_field=models.CharField(),
            )
        )

    def with_paid_on(self) -> InvoiceQuerySet:
        """Annotate ``paid_on``: the date of the invoice's last payment (None if none)."""
        last = Payment.objects.filter(invoice=OuterRef("pk")).order_by("-date").values("date")
        return self.annotate(paid_on=Subquery(last[:1]))

    def unpaid(self) -> InvoiceQuerySet:
        """Invoices with an amount still due (partial index ``invoice_due_idx``)."""
        return self.filter(amount_due__gt=0)


def invoice_pdf_path(invoice: Invoice, filename: str) -> str:
    return f"invoices/{invoice.issue_date:%Y}/{filename}"


class Invoice(models.Model):
    # Set by the contract views (not fields): the status in words for its contract
    # (status_words), what other apps add to the row (contracts.signals.PAGE_HOOKS) and
    # the stored PDF's size in bytes, said in its download link.
    words: str
    status_class: str
    extra_html: str
    pdf_size: int | None
    # Unique through Meta.constraints: unique=True would add a second ("_like") index on
    # PostgreSQL that only prefix searches use, and the import writes millions of rows.
    number = models.CharField(_("invoice number"), max_length=32)
    # Indexed by a (contract, date) index below, which also serves the foreign key.
    contract = models.ForeignKey(
        Contract,
        verbose_name=_("contract"),
        on_delete=models.CASCADE,
        related_name="invoices",
        db_index=False,
    )
    issue_date = models.DateField(_("issue date"))
    due_date = models.DateField(_("due date"))
    period_start = models.DateField(_("billed from"), null=True, blank=True)
    period_end = models.DateField(_("billed until"), null=True, blank=True)
    volume_m3 = models.DecimalField(
        _("volume (m³)"), max_digits=12, decimal_places=3, null=True, blank=True
    )
    amount_excl_tax = models.DecimalField(
        _("amount excluding tax (€)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    amount_incl_tax = models.DecimalField(
        _("amount including tax (€)"), max_digits=12, decimal_places=2
    )
    amount_due = models.DecimalField(_("amount still due (€)"), max_digits=12, decimal_places=2)
    # Private storage (settings.STORAGES["default"], no base URL): served by a view only.
    pdf = models.FileField(_("PDF"), upload_to=invoice_pdf_path, max_length=200, blank=True)

    objects = InvoiceQuerySet.as_manager()

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-issue_date", "-number"]
        constraints = [models.UniqueConstraint(fields=["number"], name="invoice_number_uniq")]
        indexes = [
            models.Index(fields=["contract", "issue_date"], name="invoice_contract_date_idx"),
            models.Index(
                fields=["due_date"], name="invoice_due_idx", condition=Q(amount_due__gt=0)
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def status_on(self, today: datetime.date) -> InvoiceStatus:
        if self.amount_due <= 0:
            return InvoiceStatus.PAID
        if self.due_date < today:
            return InvoiceStatus.OVERDUE
        return InvoiceStatus.TO_PAY

    @property
    def status(self) -> InvoiceStatus:
        """Payée / À payer / En retard, derived from the amount due and the due date."""
        code = getattr(self, "status_code", None)
        return InvoiceStatus(code) if code else self.status_on(_today())

    def status_words(self, *, direct_debit: bool) -> str:
        """The status as a subscriber needs it, with its date and what to do (issue 17):
        "À payer avant le …", "En retard depuis le … — payez ou appelez le …",
        "Prélèvement le …" / "Prélevée le …" on direct debit, "Payée le …"."""
        status = self.status
        if status is InvoiceStatus.PAID:
            paid_on = getattr(self, "paid_on", None)
            if paid_on is None:
                return str(InvoiceStatus.PAID.label)
            if direct_debit:
                return gettext("Debited on %(date)s") % {"date": dmy(paid_on)}
            return gettext("Paid on %(date)s") % {"date": dmy(paid_on)}
        if status is InvoiceStatus.OVERDUE:
            return gettext("Overdue since %(date)s — pay or call %(phone)s") % {
                "date": dmy(self.due_date + datetime.timedelta(days=1)),
                "phone": REGIE.phone,
            }
        if direct_debit:
            return gettext("Direct debit on %(date)s") % {"date": dmy(self.due_date)}
        return gettext("To pay before %(date)s") % {"date": dmy(self.due_date)}


# ---------------------------------------------------------------------------------------
# Payments
# ---------------------------------------------------------------------------------------


class Payment(models.Model):
    reference = models.CharField(_("reference"), max_length=32)  # unique: see Meta
    # Indexed by a (contract, date) index below, which also serves the foreign key.
    contract = models.ForeignKey(
        Contract,
        verbose_name=_("contract"),
        on_delete=models.CASCADE,
        related_name="payments",
        db_index=False,
    )
    invoice = models.ForeignKey(
        Invoice,
        verbose_name=_("invoice"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="payments",
    )
    date = models.DateField(_("date"))
    amount = models.DecimalField(_("amount (€)"), max_digits=12, decimal_places=2)
    method = models.CharField(_("method"), max_length=16, choices=PaymentMethod, blank=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-date", "-reference"]
        constraints = [models.UniqueConstraint(fields=["reference"], name="payment_reference_uniq")]
        indexes = [models.Index(fields=["contract", "date"], name="payment_contract_date_idx")]

    def __str__(self) -> str:
        return self.reference


# ---------------------------------------------------------------------------------------
# Service documents
# ---------------------------------------------------------------------------------------


class ServiceDocumentQuerySet(models.QuerySet["ServiceDocument"]):
    def in_force(
        self, on: datetime.date | None = None, kind: str = DocumentKind.REGULATIONS
    ) -> ServiceDocument | None:
        """The version of this kind of document that applies on ``on`` (today by default)."""
        return (
            self.filter(kind=kind, applies_from__lte=on or _today())
            .order_by("-applies_from")
            .first()
        )


class ServiceDocument(models.Model):
    """The règlement de service, the tariffs: a PDF that applies from a date."""

    kind = models.CharField(
        _("kind"), max_length=16, choices=DocumentKind, default=DocumentKind.REGULATIONS
    )
    title = models.CharField(_("title"), max_length=200)
    applies_from = models.DateField(_("applies from"))
    pdf = models.FileField(_("PDF"), upload_to="documents/", max_length=200)

    objects = ServiceDocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("service document")
        verbose_name_plural = _("service documents")
        ordering = ["kind", "-applies_from"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "applies_from"], name="document_kind_date_uniq")
        ]

    def __str__(self) -> str:
        return self.title


# ---------------------------------------------------------------------------------------
# Accounts linked to payers, and the log of linking attempts
# ---------------------------------------------------------------------------------------


class AccountPayerLink(models.Model):
    """An account may see every contract of this payer, now and later (the access rule)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="payer_links",
    )
    payer = models.ForeignKey(
        Payer, verbose_name=_("payer"), on_delete=models.CASCADE, related_name="account_links"
    )
    created_at = models.DateTimeField(_("linked on"), default=timezone.now)

    class Meta:
        verbose_name = _("link between an account and a payer")
        verbose_name_plural = _("links between accounts and payers")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "payer"], name="account_payer_link_uniq"),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.payer}"


class LinkAttemptResult(models.TextChoices):
    LINKED = "linked", _("Linked")
    ALREADY_LINKED = "already_linked", _("Already linked")
    FAILED = "failed", _("Unknown number or wrong key")
    LOCKED = "locked", _("Refused: too many failed attempts")
    INVALID = "invalid", _("Number in a wrong format")


class LinkAttempt(models.Model):
    """One try at linking a contract (never the key): the audit log and the lock counters."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="link_attempts",
    )
    # The canonical number, or what was typed (truncated) when it is not a contract number.
    number = models.CharField(_("number tried"), max_length=32)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    result = models.CharField(_("result"), max_length=16, choices=LinkAttemptResult)
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    # Set when staff lift the lock or give the contract a new key: the failure stays in
    # the log but no longer counts towards a lock.
    lifted_at = models.DateTimeField(_("lock lifted"), null=True, blank=True)

    class Meta:
        verbose_name = _("contract linking attempt")
        verbose_name_plural = _("contract linking attempts")
        ordering = ["-created_at"]
        indexes = [
            # The two lock counters: failures of an account, failures on a number.
            models.Index(
                fields=["user", "created_at"],
                name="linkattempt_user_fail_idx",
                condition=Q(result="failed"),
            ),
            models.Index(
                fields=["number", "created_at"],
                name="linkattempt_number_fail_idx",
                condition=Q(result="failed"),
            ),
            models.Index(fields=["created_at"], name="linkattempt_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.get_result_display()}"


class ImportRun(models.Model):
    """One run of the billing import (command or upload), for the import history."""

    class Source(models.TextChoices):
        COMMAND = "command", _("command")
        UPLOAD = "upload", _("upload in the admin")

    started_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    source = models.CharField(_("source"), max_length=10, choices=Source)
    dry_run = models.BooleanField(_("dry run"), default=False)
    ok = models.BooleanField(_("valid"), default=False)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    rows = models.PositiveIntegerField(_("rows read"), default=0)
    created = models.PositiveIntegerField(_("new"), default=0)
    updated = models.PositiveIntegerField(_("changed"), default=0)
    report = models.TextField(_("report"), blank=True)

    class Meta:
        verbose_name = _("billing import")
        verbose_name_plural = _("billing imports")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.get_source_display()} {timezone.localtime(self.started_at):%d/%m/%Y %H:%M}"
