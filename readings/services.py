"""Self meter readings: when a contract may send its index, what is plausible, filing it,
and the Régie's decision.

Plausibility (``check_index``), in whole m³:
* never below the last reading of the contract (the last ``MeterReading``), unless the
  subscriber says the meter was replaced;
* above ``last + 2 × daily average × days since the last reading`` (rounded up, plus 1 m³
  for the digits the subscriber does not read), the subscriber must confirm. The daily
  average is the consumption between the readings of the 365 days before the last one;
  with less than ``MIN_HISTORY_DAYS`` of history, or a lower average, ``MIN_DAILY_M3`` is
  used (a home where nobody lived last year is not an alarm at every index).
"""

from __future__ import annotations

import datetime
import math
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts import fragments
from contracts.models import Contract, MeterReading, ReadingKind
from inquiries import services as inquiries
from inquiries.models import Inquiry, InquiryKind, InquiryStatus
from inquiries.uploads import CheckedFile
from readings.models import ReadingWindow, SelfReading, SelfReadingState

HISTORY_DAYS = 365
MIN_HISTORY_DAYS = 60
# 100 litres a day: below it, the average says nothing about a high index.
MIN_DAILY_M3 = Decimal("0.1")
MAX_INDEX = 9_999_999


# --- Reading windows ---------------------------------------------------------------------


def _plain(name: str) -> str:
    """A commune's name for comparison: no accents, no case, no dashes."""
    decomposed = unicodedata.normalize("NFKD", name)
    letters = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(letters.lower().replace("-", " ").replace("'", " ").split())


@dataclass(frozen=True)
class WindowState:
    current: ReadingWindow | None
    upcoming: ReadingWindow | None

    @property
    def is_open(self) -> bool:
        return self.current is not None


def window_state(contract: Contract, today: datetime.date) -> WindowState:
    """The period open today for this contract (the one closing last), or the next one.

    A contract's periods are those of the communes of its postcode; when several communes
    share the postcode, those named like the contract's city (accents, case and dashes
    aside), unless none is. Without a postcode, the communes of its city's name. One query.
    """
    windows = ReadingWindow.objects.filter(closes_on__gte=today).select_related("commune")
    postcode, city = contract.postcode.strip(), _plain(contract.city)
    if postcode:
        windows = windows.filter(commune__postcode=postcode)
    elif city:
        windows = windows.filter(commune__name__iexact=contract.city.strip())
    else:
        return WindowState(None, None)
    found = list(windows.order_by("opens_on", "pk")[:50])
    named = [w for w in found if _plain(w.commune.name) == city]
    if named:
        found = named
    current = [w for w in found if w.opens_on <= today]
    upcoming = [w for w in found if w.opens_on > today]
    return WindowState(
        max(current, key=lambda w: w.closes_on) if current else None,
        upcoming[0] if upcoming else None,
    )


# --- Plausibility -----------------------------------------------------------------------


def last_reading(contract: Contract) -> MeterReading | None:
    return contract.readings.order_by("-date").first()


def daily_average(contract: Contract, last: MeterReading | None) -> Decimal:
    """m³ a day over the year before ``last`` (``MIN_DAILY_M3`` at least)."""
    if last is None:
        return MIN_DAILY_M3
    since = last.date - datetime.timedelta(days=HISTORY_DAYS)
    first = contract.readings.filter(date__gte=since, date__lt=last.date).order_by("date").first()
    if first is None or (last.date - first.date).days < MIN_HISTORY_DAYS:
        return MIN_DAILY_M3
    average = (last.index - first.index) / (last.date - first.date).days
    return max(average, MIN_DAILY_M3)


@dataclass(frozen=True)
class Plausibility:
    last: MeterReading | None
    average: Decimal  # m³ a day
    ceiling: int | None  # above it the subscriber must confirm (None: no last reading)

    @property
    def average_litres(self) -> int:
        return int(self.average * 1000)


def plausibility(contract: Contract, today: datetime.date) -> Plausibility:
    last = last_reading(contract)
    average = daily_average(contract, last)
    if last is None:
        return Plausibility(None, average, None)
    days = max((today - last.date).days, 1)
    ceiling = math.ceil(last.index + 2 * average * days) + 1
    return Plausibility(last, average, ceiling)


# --- Sending an index ----------------------------------------------------------------------


def sent_in_window(contract: Contract, window: ReadingWindow) -> SelfReading | None:
    """The index already sent (and not refused) for this contract in this window."""
    return (
        SelfReading.objects.filter(
            contract=contract,
            reading_date__gte=window.opens_on,
            reading_date__lte=window.closes_on,
        )
        .exclude(state=SelfReadingState.REFUSED)
        .select_related("inquiry")
        .order_by("-created_at")
        .first()
    )


def file_self_reading(
    user: Any,
    contract: Contract,
    *,
    index: int,
    meter_changed: bool,
    confirmed_high: bool,
    last: MeterReading | None,
    today: datetime.date,
    attachment: CheckedFile | None = None,
) -> SelfReading:
    """Request IX-… (thread, "Mes demandes", emails) and its details, in one transaction."""
    lines = [
        _("Meter index sent on %(date)s: %(index)s m³.")
        % {"date": f"{today:%d/%m/%Y}", "index": index},
    ]
    if last is not None:
        lines.append(
            _("Previous reading: %(index)s m³ on %(date)s.")
            % {"index": f"{last.index.normalize():f}", "date": f"{last.date:%d/%m/%Y}"}
        )
    if meter_changed:
        lines.append(_("The subscriber says the meter was replaced."))
    if confirmed_high:
        lines.append(_("The subscriber confirmed this unusually high index."))
    with transaction.atomic():
        inquiry = inquiries.file_inquiry(
            InquiryKind.METER_READING,
            {"contract": contract, "meter_number": contract.meter_number, "meter_index": index},
            "\n".join(lines),
            user=user,
            attachment=attachment,
        )
        reading = SelfReading.objects.create(
            inquiry=inquiry,
            contract=contract,
            reading_date=today,
            index=index,
            meter_changed=meter_changed,
            last_index=last.index if last is not None else None,
            confirmed_high=confirmed_high,
        )
    return reading


# --- The Régie's decision --------------------------------------------------------------------


def decide(reading: SelfReading, state: SelfReadingState, agent: Any, *, reply: str = "") -> bool:
    """Validate or refuse a pending index; the request is closed and the subscriber told.
    False when it was no longer pending."""
    with transaction.atomic():
        locked = SelfReading.objects.select_for_update().get(pk=reading.pk)
        if locked.state != SelfReadingState.PENDING:
            return False
        locked.state = state
        locked.decided_by = agent if getattr(agent, "pk", None) else None
        locked.decided_at = timezone.now()
        locked.save(update_fields=["state", "decided_by", "decided_at"])
        inquiry = Inquiry.objects.select_for_update().get(pk=locked.inquiry_id)
        previous = inquiry.status
        inquiry.status = (
            InquiryStatus.DONE if state == SelfReadingState.VALIDATED else InquiryStatus.REFUSED
        )
        inquiry.save(update_fields=["status", "updated_at"])
        if not reply:
            if state == SelfReadingState.VALIDATED:
                reply = _("Your index of %(index)s m³ has been accepted. Thank you.") % {
                    "index": locked.index
                }
            else:
                reply = _(
                    "Your index of %(index)s m³ could not be accepted. Check the black "
                    "digits of your meter and send it again, or call us."
                ) % {"index": locked.index}
        inquiries.staff_update(inquiry, agent, reply=reply, previous_status=previous)
    reading.refresh_from_db()
    return True


def matching_reading() -> Exists:
    """For a ``SelfReading`` queryset: the billing system brought back its reading (same
    contract, date and index, kind "self-read")."""
    return Exists(
        MeterReading.objects.filter(
            contract=OuterRef("contract"),
            date=OuterRef("reading_date"),
            index=OuterRef("index"),
            kind=ReadingKind.SELF,
        )
    )


def awaiting_billing(contract: Contract) -> QuerySet[SelfReading]:
    """The indexes sent and not refused that the billing data does not hold yet."""
    return (
        SelfReading.objects.filter(contract=contract)
        .filter(Q(state=SelfReadingState.PENDING) | Q(state=SelfReadingState.VALIDATED))
        .annotate(imported=matching_reading())
        .filter(imported=False)
        .order_by("-reading_date")
    )


def validate_imported(*, dry_run: bool) -> int:
    """Pending indexes the import brought back as self-readings are validated (request
    closed, subscriber told). Runs inside the import's transaction."""
    found = list(
        SelfReading.objects.filter(state=SelfReadingState.PENDING)
        .annotate(imported=matching_reading())
        .filter(imported=True)
        .select_related("inquiry")
    )
    if dry_run:
        return len(found)
    for reading in found:
        decide(
            reading,
            SelfReadingState.VALIDATED,
            None,
            reply=_("Your index of %(index)s m³ has been taken into account for your billing.")
            % {"index": reading.index},
        )
    return len(found)


def retire_pages(**kwargs: object) -> None:
    """A self-reading, a window or an alert changed: the contract pages show them."""
    fragments.data_changed()
