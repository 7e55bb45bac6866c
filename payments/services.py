"""Paying an invoice online: open an attempt, send the browser to PayFiP, ask how it ended.

The rules:
- the amount is the invoice's amount due when the attempt is opened, never a posted value;
- at most one attempt in progress per invoice (a partial unique index; a second tab is
  sent to the operation already open);
- PayFiP is never believed on the word of a request: the notification and the browser's
  return only make the portal ask the web service (``refresh``);
- an attempt only moves forward (created → waiting → a final state), under a row lock,
  so replays and races change nothing.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from contracts import fragments
from contracts.models import Contract, Invoice, PaymentMethod
from payments import payfip
from payments.models import (
    ATTEMPT_EXPIRY,
    IDOP_LIFETIME,
    RESULTRANS_STATES,
    AttemptState,
    Instalment,
    InstalmentState,
    PaymentAttempt,
)

logger = logging.getLogger(__name__)

DEBITED_METHODS = (PaymentMethod.DIRECT_DEBIT, PaymentMethod.MONTHLY_PLAN)


def is_enabled() -> bool:
    """PayFiP is configured: the "Payer en ligne" button shows."""
    return bool(settings.PAYFIP_NUMCLI and settings.PAYFIP_URL)


def client() -> payfip.Client:
    return payfip.Client()


def to_cents(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


# --- What an invoice offers ---------------------------------------------------------------


@dataclass(frozen=True)
class OnlineState:
    """What the portal shows about paying an invoice online.

    ``kind``: ``hidden`` (nothing to show), ``pay`` (the button), ``debit`` (it will be
    debited: no button), ``processing``, ``paid``, or ``failed`` (with a retry).
    """

    kind: str
    attempt: PaymentAttempt | None = None
    debit_date: datetime.date | None = None

    @property
    def can_pay(self) -> bool:
        return self.kind in ("pay", "failed")


def latest_attempt(invoice: Invoice) -> PaymentAttempt | None:
    return PaymentAttempt.objects.filter(invoice=invoice).order_by("-created_at", "-pk").first()


def next_debit(contract: Contract, invoice: Invoice, today: datetime.date) -> datetime.date | None:
    planned = (
        Instalment.objects.filter(
            contract=contract, state=InstalmentState.PLANNED, due_date__gte=today
        )
        .order_by("due_date")
        .values_list("due_date", flat=True)
        .first()
    )
    if planned:
        return planned
    return invoice.due_date if invoice.due_date >= today else None


def online_state(
    invoice: Invoice, contract: Contract, today: datetime.date | None = None
) -> OnlineState:
    if not is_enabled():
        return OnlineState("hidden")
    return _state(invoice, contract, today or timezone.localdate(), latest_attempt(invoice))


def online_states(
    invoices: list[Invoice], contract: Contract, today: datetime.date
) -> dict[int, OnlineState]:
    """``online_state`` of several invoices of one contract, in one query (or two)."""
    latest: dict[int, PaymentAttempt] = {}
    attempts = PaymentAttempt.objects.filter(invoice__in=invoices).order_by("-created_at", "-pk")
    for attempt in attempts:
        if attempt.invoice_id is not None:
            latest.setdefault(attempt.invoice_id, attempt)
    return {
        invoice.pk: _state(invoice, contract, today, latest.get(invoice.pk)) for invoice in invoices
    }


def _state(
    invoice: Invoice, contract: Contract, today: datetime.date, attempt: PaymentAttempt | None
) -> OnlineState:
    if attempt is not None and attempt.is_open:
        return OnlineState("processing", attempt)
    if attempt is not None and attempt.is_paid:
        return OnlineState("paid", attempt)
    if invoice.amount_due <= 0:
        return OnlineState("hidden")
    if contract.payment_method in DEBITED_METHODS:
        return OnlineState("debit", debit_date=next_debit(contract, invoice, today))
    if attempt is not None:
        return OnlineState("failed", attempt)
    return OnlineState("pay")


# --- Opening an attempt -------------------------------------------------------------------


@dataclass(frozen=True)
class Started:
    """Where to send the browser (PayFiP's page), or a French message saying why not."""

    redirect_url: str = ""
    error: str = ""


BUSY = "busy"


def _resume(invoice: Invoice) -> Started:
    """An attempt is already open for this invoice (another tab, a second click)."""
    attempt = PaymentAttempt.objects.open().filter(invoice=invoice).first()
    if attempt is not None:
        attempt = refresh(attempt)
    if (
        attempt is not None
        and attempt.state == AttemptState.WAITING
        and attempt.id_op
        and timezone.now() - attempt.created_at < IDOP_LIFETIME
    ):
        return Started(redirect_url=payfip.payment_page_url(attempt.id_op))
    if attempt is not None and attempt.is_open:
        return Started(
            error=_(
                "A payment of this invoice is already being processed. "
                "Its result will show here in a few minutes."
            )
        )
    return Started(error=BUSY)


def start_payment(user: User, contract: Contract, invoice: Invoice, email: str) -> Started:
    """Open an attempt for ``invoice`` and an operation at PayFiP."""
    state = online_state(invoice, contract)
    if state.kind == "processing":
        started = _resume(invoice)
        if started.error != BUSY:
            return started
        state = online_state(invoice, contract)
    if not state.can_pay:
        return Started(error=_("This invoice cannot be paid online."))
    try:
        refdet = payfip.refdet_for(invoice.number)
    except ValueError:
        return Started(error=_("This invoice cannot be paid online."))
    try:
        with transaction.atomic():
            attempt = PaymentAttempt.objects.create(
                invoice=invoice,
                contract=contract,
                invoice_number=invoice.number,
                contract_number=contract.number,
                user=user if getattr(user, "pk", None) else None,
                refdet=refdet,
                exer=invoice.issue_date.year,
                amount_cents=to_cents(invoice.amount_due),
                email=email,
                saisie=settings.PAYFIP_MODE,
            )
    except IntegrityError:
        started = _resume(invoice)
        return started if started.error != BUSY else Started(error=_("Please try again."))
    fragments.data_changed()
    try:
        id_op = client().create_payment(
            numcli=settings.PAYFIP_NUMCLI,
            exer=attempt.exer,
            refdet=attempt.refdet,
            objet=payfip.objet_for(invoice.number, contract.number),
            amount_cents=attempt.amount_cents,
            email=attempt.email,
            urlnotif=settings.SITE_URL + reverse("payments:notify"),
            urlredirect=settings.SITE_URL + reverse("payments:back", args=[attempt.token]),
            saisie=attempt.saisie,
        )
    except payfip.PayFiPFault as fault:
        move(attempt, AttemptState.ERROR, error_code=fault.code)
        return Started(
            error=_(
                "The online payment service refused the request (code %(code)s). Nothing "
                "has been charged. Please try again later or pay by another means."
            )
            % {"code": fault.code}
        )
    except payfip.PayFiPUnavailable:
        move(attempt, AttemptState.ERROR, error_code="unavailable")
        return Started(
            error=_(
                "The online payment service is not answering. Nothing has been charged. "
                "Please try again in a few minutes."
            )
        )
    move(attempt, AttemptState.WAITING, id_op=id_op)
    return Started(redirect_url=payfip.payment_page_url(id_op))


# --- Asking PayFiP how it ended -----------------------------------------------------------


def move(attempt: PaymentAttempt, state: str, **values: object) -> PaymentAttempt:
    """Move ``attempt`` to ``state`` if that is forward; the row as it is afterwards."""
    with transaction.atomic():
        locked = PaymentAttempt.objects.select_for_update().get(pk=attempt.pk)
        if not locked.can_move_to(state):
            return locked
        locked.state = state
        for name, value in values.items():
            setattr(locked, name, value)
        locked.save()
        fragments.data_changed()
    logger.info("online payment #%s: %s", locked.pk, state)
    return locked


def refresh(attempt: PaymentAttempt, now: datetime.datetime | None = None) -> PaymentAttempt:
    """Ask PayFiP about an open attempt and record the answer; the attempt afterwards.

    P1 (unknown or purged operation) expires it; P5 (not known yet) leaves it waiting,
    until ``ATTEMPT_EXPIRY`` after its creation. An outage changes nothing.
    """
    now = now or timezone.now()
    if not attempt.is_open:
        return attempt
    too_old = now - attempt.created_at >= ATTEMPT_EXPIRY
    if not attempt.id_op:
        # Never reached PayFiP (the process died between the two steps).
        return move(attempt, AttemptState.EXPIRED, error_code="no idOp") if too_old else attempt
    try:
        details = client().payment_details(attempt.id_op)
    except payfip.PayFiPFault as fault:
        if fault.code == "P1" or (fault.code == "P5" and too_old):
            return move(attempt, AttemptState.EXPIRED, error_code=fault.code)
        if fault.code != "P5":
            logger.warning("online payment #%s: fault %s", attempt.pk, fault.code)
        return attempt
    except payfip.PayFiPUnavailable:
        return attempt
    raw = {k: v for k, v in details.fields.items()}
    state = RESULTRANS_STATES.get(details.resultrans)
    if details.refdet != attempt.refdet or details.amount_cents != attempt.amount_cents:
        # Not the operation we opened: never count it as paid.
        logger.warning("online payment #%s: answer does not match the attempt", attempt.pk)
        return move(attempt, AttemptState.ERROR, error_code="mismatch", raw_answer=raw)
    if state is None:
        logger.warning("online payment #%s: unknown resultrans", attempt.pk)
        return attempt
    return move(
        attempt,
        state,
        resultrans=details.resultrans,
        numauto=details.numauto,
        transaction_at=details.transaction_at,
        raw_answer=raw,
    )


def refresh_open(now: datetime.datetime | None = None) -> dict[str, int]:
    """Ask PayFiP about every attempt still open (cron); counts by resulting state."""
    counts: dict[str, int] = {}
    for attempt in PaymentAttempt.objects.open().order_by("created_at").iterator():
        state = refresh(attempt, now).state
        counts[state] = counts.get(state, 0) + 1
    return counts


# --- The payments page ------------------------------------------------------------------------


def pending_online_payments(contract: Contract) -> list[PaymentAttempt]:
    """Paid online, not yet in the billing system: no payment row for the invoice dated
    on or after the transaction."""
    from django.db.models import Exists, OuterRef

    from contracts.models import Payment

    recorded = Payment.objects.filter(
        invoice_id=OuterRef("invoice_id"), date__gte=OuterRef("transaction_at__date")
    )
    return list(
        PaymentAttempt.objects.paid()
        .filter(contract=contract)
        .exclude(Exists(recorded))
        .order_by("-transaction_at")
    )


def instalments_of_year(contract: Contract, year: int) -> list[Instalment]:
    return list(contract.instalments.filter(due_date__year=year).order_by("due_date"))
