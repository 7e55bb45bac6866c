"""Online payments through PayFiP, and the direct-debit instalments the billing system plans.

A ``PaymentAttempt`` is one trip to PayFiP for one invoice. PayFiP is asked, never told:
the notification and the browser's return only make the portal ask the web service
(``payments.services.refresh``). The billing system stays the truth about what is paid:
a paid attempt shows as pending until the import brings the payment row.
"""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contracts.models import Contract, Invoice

# PayFiP keeps an operation about 15 minutes; one still unknown after this is expired.
ATTEMPT_EXPIRY = datetime.timedelta(minutes=20)
IDOP_LIFETIME = datetime.timedelta(minutes=15)


class AttemptState(models.TextChoices):
    CREATED = "created", _("Created")
    WAITING = "waiting", _("Waiting for PayFiP")
    PAID_CARD = "paid_card", _("Paid by card")
    PAID_DEBIT = "paid_debit", _("Paid by direct debit")
    REFUSED = "refused", _("Refused")
    ABANDONED = "abandoned", _("Abandoned")
    EXPIRED = "expired", _("Expired")
    ERROR = "error", _("Error")


OPEN_STATES = (AttemptState.CREATED, AttemptState.WAITING)
PAID_STATES = (AttemptState.PAID_CARD, AttemptState.PAID_DEBIT)
# Transitions only go forward: to a higher rank. Final states have the highest.
RANK = {AttemptState.CREATED: 0, AttemptState.WAITING: 1}

# PayFiP's resultrans → the attempt's final state.
RESULTRANS_STATES = {
    "P": AttemptState.PAID_CARD,
    "V": AttemptState.PAID_DEBIT,
    "R": AttemptState.REFUSED,
    "Z": AttemptState.REFUSED,
    "A": AttemptState.ABANDONED,
}


class Saisie(models.TextChoices):
    TEST = "T", _("Test")
    ACTIVATION = "X", _("Activation")
    PRODUCTION = "W", _("Production")


class PaymentAttemptQuerySet(models.QuerySet["PaymentAttempt"]):
    def open(self) -> PaymentAttemptQuerySet:
        return self.filter(state__in=OPEN_STATES)

    def paid(self) -> PaymentAttemptQuerySet:
        return self.filter(state__in=PAID_STATES)


class PaymentAttempt(models.Model):
    """One online payment of one invoice, as sent to PayFiP and as PayFiP answered."""

    # In the return URL: PayFiP's idOp is not known yet when that URL is built.
    token = models.UUIDField(_("token"), default=uuid.uuid4, unique=True, editable=False)
    # The invoice and contract may be deleted by the billing system; the accountant still
    # needs the attempt: their numbers are copied.
    invoice = models.ForeignKey(
        Invoice,
        verbose_name=_("invoice"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="payment_attempts",
    )
    contract = models.ForeignKey(
        Contract,
        verbose_name=_("contract"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="payment_attempts",
    )
    invoice_number = models.CharField(_("invoice number"), max_length=32)
    contract_number = models.CharField(_("contract number"), max_length=14)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="payment_attempts",
    )
    refdet = models.CharField(_("REFDET"), max_length=30)
    exer = models.PositiveSmallIntegerField(_("financial year"))
    amount_cents = models.PositiveIntegerField(_("amount (cents)"))
    email = models.EmailField(_("payer's email address"), max_length=80)
    # NULL until PayFiP answers: unique among the attempts that have one.
    id_op = models.CharField(  # noqa: DJ001
        _("PayFiP operation (idOp)"), max_length=64, unique=True, null=True
    )
    saisie = models.CharField(_("mode"), max_length=1, choices=Saisie)
    state = models.CharField(
        _("state"), max_length=16, choices=AttemptState, default=AttemptState.CREATED
    )
    resultrans = models.CharField(_("PayFiP result"), max_length=1, blank=True)
    numauto = models.CharField(_("authorisation number"), max_length=16, blank=True)
    transaction_at = models.DateTimeField(_("transaction time"), null=True, blank=True)
    error_code = models.CharField(_("error code"), max_length=16, blank=True)
    raw_answer = models.JSONField(_("PayFiP's last answer"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = PaymentAttemptQuerySet.as_manager()

    class Meta:
        verbose_name = _("online payment")
        verbose_name_plural = _("online payments")
        ordering = ["-created_at"]
        constraints = [
            # Two tabs, two clicks: at most one attempt in progress per invoice.
            models.UniqueConstraint(
                fields=["invoice"],
                condition=Q(state__in=["created", "waiting"]),
                name="payment_attempt_one_open_per_invoice",
            ),
        ]
        indexes = [
            models.Index(fields=["invoice", "created_at"], name="attempt_invoice_idx"),
            models.Index(
                fields=["created_at"],
                name="attempt_open_idx",
                condition=Q(state__in=["created", "waiting"]),
            ),
            models.Index(fields=["transaction_at"], name="attempt_transaction_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.invoice_number} {self.refdet} {self.get_state_display()}"

    @property
    def amount(self) -> Decimal:
        return Decimal(self.amount_cents) / 100

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def is_paid(self) -> bool:
        return self.state in PAID_STATES

    @property
    def is_final(self) -> bool:
        return not self.is_open

    def can_move_to(self, state: str) -> bool:
        return RANK.get(AttemptState(state), 2) > RANK.get(AttemptState(self.state), 2)


# ---------------------------------------------------------------------------------------
# Instalments (échéancier)
# ---------------------------------------------------------------------------------------


class InstalmentState(models.TextChoices):
    PLANNED = "planned", _("planned")
    DEBITED = "debited", _("debited")
    REJECTED = "rejected", _("rejected")


class Instalment(models.Model):
    """One direct debit the billing system plans (or has made) on a contract."""

    contract = models.ForeignKey(
        Contract,
        verbose_name=_("contract"),
        on_delete=models.CASCADE,
        related_name="instalments",
        db_index=False,  # the (contract, due date) constraint serves it
    )
    due_date = models.DateField(_("debit date"))
    amount = models.DecimalField(_("amount (€)"), max_digits=12, decimal_places=2)
    state = models.CharField(
        _("state"), max_length=16, choices=InstalmentState, default=InstalmentState.PLANNED
    )

    class Meta:
        verbose_name = _("instalment")
        verbose_name_plural = _("instalments")
        ordering = ["contract_id", "due_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "due_date"], name="instalment_contract_date_uniq"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract_id} {self.due_date:%d/%m/%Y}"
