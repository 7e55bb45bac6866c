"""The leak relief rule (écrêtement pour fuite, "loi Warsmann"): CGCT L2224-12-4 III bis and
R2224-20-1.

A subscriber of a home whose bill shows an abnormal increase of volume, caused by a leak
on the pipe after the meter, pays no more than twice the average volume when they send,
within one month of being told, a plumber's attestation (where the leak was, when it was
repaired). The increase is abnormal when the volume exceeds twice the average volume used
"over an equivalent period during the three previous years".

What the portal knows: each invoice's billed volume and, usually, its billed period. So:

* the *history* is the contract's other invoices with a volume, issued in the three years
  before this invoice's issue date;
* when this invoice and every invoice of the history have a period, the reference is the
  history's average volume per day times this invoice's number of days (an equivalent
  period, whatever the billing frequency was); otherwise the average volume per invoice;
* the invoice is eligible when its volume exceeds twice the reference;
* without history (a new contract), the portal cannot compute: the law then refers to the
  average of comparable homes, which only the Régie knows, so the request may be filed and
  the Régie decides (``NO_HISTORY``);
* the request must be filed within one calendar month of the invoice's issue date (the
  day the subscriber is taken to be informed), e.g. by 20 February for an invoice issued
  on 20 January.
"""

from __future__ import annotations

import calendar
import datetime
import enum
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from contracts.models import Invoice

HISTORY_YEARS = 3
THRESHOLD = Decimal(2)


class Outcome(enum.Enum):
    ELIGIBLE = "eligible"
    NO_HISTORY = "no_history"
    NOT_ELIGIBLE = "not_eligible"
    NO_VOLUME = "no_volume"


@dataclass(frozen=True)
class Assessment:
    outcome: Outcome
    volume: Decimal | None
    reference: Decimal | None  # the average volume for an equivalent period

    @property
    def may_request(self) -> bool:
        return self.outcome in (Outcome.ELIGIBLE, Outcome.NO_HISTORY)

    @property
    def cap(self) -> Decimal | None:
        """The volume billed at most when the Régie accepts (twice the reference)."""
        return None if self.reference is None else self.reference * THRESHOLD


def add_months(day: datetime.date, months: int) -> datetime.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def deadline(invoice: Invoice) -> datetime.date:
    """The last day a request about this invoice is accepted."""
    return add_months(invoice.issue_date, 1)


def within_deadline(invoice: Invoice, today: datetime.date) -> bool:
    return today <= deadline(invoice)


def _days(invoice: Invoice) -> int | None:
    if invoice.period_start and invoice.period_end and invoice.period_end >= invoice.period_start:
        return (invoice.period_end - invoice.period_start).days + 1
    return None


def history_start(invoice: Invoice) -> datetime.date:
    return add_months(invoice.issue_date, -12 * HISTORY_YEARS)


def assess(invoice: Invoice, history: Iterable[Invoice]) -> Assessment:
    """The rule for ``invoice``, given the contract's invoices (any; those outside the three
    years before it, without a volume, or the invoice itself are left out here)."""
    volume = invoice.volume_m3
    if volume is None or volume <= 0:
        return Assessment(Outcome.NO_VOLUME, volume, None)
    start = history_start(invoice)
    earlier = [
        other
        for other in history
        if other.pk != invoice.pk
        and other.volume_m3 is not None
        and start <= other.issue_date < invoice.issue_date
    ]
    if not earlier:
        return Assessment(Outcome.NO_HISTORY, volume, None)
    days = _days(invoice)
    periods = [_days(other) for other in earlier]
    total = sum((other.volume_m3 or Decimal(0) for other in earlier), Decimal(0))
    if days is not None and all(periods):
        per_day = total / sum(p or 0 for p in periods)
        reference = per_day * days
    else:
        reference = total / len(earlier)
    reference = reference.quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)
    outcome = Outcome.ELIGIBLE if volume > THRESHOLD * reference else Outcome.NOT_ELIGIBLE
    return Assessment(outcome, volume, reference)


def assess_one(invoice: Invoice) -> Assessment:
    """``assess`` with the history read from the database (one query)."""
    history = Invoice.objects.filter(
        contract_id=invoice.contract_id,
        issue_date__gte=history_start(invoice),
        issue_date__lt=invoice.issue_date,
        volume_m3__isnull=False,
    ).only("pk", "issue_date", "period_start", "period_end", "volume_m3")
    return assess(invoice, history)


def offered(invoices: list[Invoice], today: datetime.date) -> dict[int, Assessment]:
    """The invoices (of one contract) on which to offer a request today, with their
    assessment: only those still within the month, so at most a few; one query."""
    recent = [i for i in invoices if within_deadline(i, today) and i.volume_m3]
    if not recent:
        return {}
    earliest = min(history_start(i) for i in recent)
    history = list(
        Invoice.objects.filter(
            contract_id=recent[0].contract_id,
            issue_date__gte=earliest,
            volume_m3__isnull=False,
        ).only("pk", "issue_date", "period_start", "period_end", "volume_m3")
    )
    found = {}
    for invoice in recent:
        assessment = assess(invoice, history)
        if assessment.may_request:
            found[invoice.pk] = assessment
    return found
