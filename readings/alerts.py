"""Consumption alerts: after an import, each account that asked for them gets one email
about a new reading whose consumption is high, and the dashboard shows a banner.

The consumption of a reading is said in litres per day: the m³ since the previous reading
divided by the days between the two (what a subscriber can compare with a habit: about
150 litres a day per person). It is high when it is above the account's threshold, if it
set one, or above twice the usual rate of the contract: the litres per day over the year
before the previous reading (``USUAL_DAYS``; not judged with less than
``MIN_HISTORY_DAYS`` of history, and never below ``MIN_USUAL_LITRES``).

Idempotent: an account's setting remembers the date of the last reading looked at
(``checked_through``), and ``AlertEmail`` is unique per account and reading, so importing
the same export twice sends nothing more. Runs inside the import's transaction; the email
leaves once it commits (``accounts.tasks.queue_email``); a dry run does nothing.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import OutgoingEmail
from contracts.models import Contract, MeterReading
from core.identity import REGIE
from inquiries.emails import send_templated
from readings.models import AlertEmail, AlertReason, AlertSetting, ConsumptionAlert

USUAL_DAYS = 365
MIN_HISTORY_DAYS = 60
MIN_USUAL_LITRES = 50
MAX_LITRES = 2_000_000_000


@dataclass(frozen=True)
class Rate:
    reading: MeterReading
    previous: MeterReading
    litres_per_day: int
    usual_litres_per_day: int | None


def _litres_per_day(volume: Decimal, days: int) -> int:
    return min(int(volume * 1000 / max(days, 1)), MAX_LITRES)


def latest_rate(contract: Contract) -> Rate | None:
    """The litres per day of the contract's last reading, and its usual rate."""
    two = list(contract.readings.order_by("-date")[:2])
    if len(two) < 2:
        return None
    reading, previous = two
    volume = reading.index - previous.index
    if volume < 0:  # a replaced meter: nothing to compare
        return None
    rate = _litres_per_day(volume, (reading.date - previous.date).days)
    since = previous.date - datetime.timedelta(days=USUAL_DAYS)
    first = (
        contract.readings.filter(date__gte=since, date__lt=previous.date).order_by("date").first()
    )
    usual = None
    if first is not None and (previous.date - first.date).days >= MIN_HISTORY_DAYS:
        past = previous.index - first.index
        if past >= 0:
            usual = _litres_per_day(past, (previous.date - first.date).days)
    return Rate(reading, previous, rate, usual)


def reason_for(setting: AlertSetting, rate: Rate) -> AlertReason | None:
    threshold = setting.threshold_litres_per_day
    if threshold is not None and rate.litres_per_day > threshold:
        return AlertReason.THRESHOLD
    usual = rate.usual_litres_per_day
    if usual is not None and rate.litres_per_day > 2 * max(usual, MIN_USUAL_LITRES):
        return AlertReason.USUAL
    return None


def last_reading_date(contract: Contract) -> datetime.date | None:
    return contract.readings.order_by("-date").values_list("date", flat=True).first()


def check_after_import(*, dry_run: bool) -> int:
    """Look at the new readings of the contracts with alerts on; emails queued."""
    if dry_run:
        return 0
    latest = MeterReading.objects.filter(contract=OuterRef("contract")).order_by("-date")
    settings_due = (
        AlertSetting.objects.filter(enabled=True)
        .annotate(latest=Subquery(latest.values("date")[:1]))
        .filter(latest__isnull=False)
        .filter(Q(checked_through__isnull=True) | Q(latest__gt=F("checked_through")))
        .select_related("user", "contract")
        .order_by("contract_id", "pk")
    )
    sent = 0
    rates: dict[int, Rate | None] = {}
    for setting in settings_due.iterator(chunk_size=500):
        contract = setting.contract
        if contract.pk not in rates:
            rates[contract.pk] = latest_rate(contract)
        rate = rates[contract.pk]
        AlertSetting.objects.filter(pk=setting.pk).update(checked_through=setting.latest)
        if rate is None or not setting.user.is_active:
            continue
        reason = reason_for(setting, rate)
        if reason is None:
            continue
        alert, _created = ConsumptionAlert.objects.get_or_create(
            contract=contract,
            reading_date=rate.reading.date,
            defaults={
                "previous_date": rate.previous.date,
                "litres_per_day": rate.litres_per_day,
                "usual_litres_per_day": rate.usual_litres_per_day,
            },
        )
        _email, new = AlertEmail.objects.get_or_create(
            alert=alert, user=setting.user, defaults={"reason": reason}
        )
        if new:
            send_alert(setting, alert, reason)
            sent += 1
    return sent


def send_alert(setting: AlertSetting, alert: ConsumptionAlert, reason: str) -> OutgoingEmail:
    contract = setting.contract
    context = {
        "regie": REGIE,
        "contract": contract,
        "alert": alert,
        "reason": reason,
        "threshold": setting.threshold_litres_per_day,
        "consumption_url": settings.SITE_URL
        + reverse("contracts:consumption", args=[contract.number]),
        "alerts_url": settings.SITE_URL + reverse("readings:alerts", args=[contract.number]),
    }
    # Queued: delivered once the import commits, so a rolled-back import sends nothing.
    return send_templated("readings/email/alert", setting.user.email, context)


def banner_alert(contract: Contract) -> ConsumptionAlert | None:
    """The alert the dashboard shows: on the last reading, not hidden (one query)."""
    last = MeterReading.objects.filter(contract=contract).order_by("-date").values("date")[:1]
    return (
        ConsumptionAlert.objects.filter(contract=contract, dismissed_at__isnull=True)
        .filter(reading_date=Subquery(last))
        .first()
    )


@transaction.atomic
def save_setting(
    user: Any, contract: Contract, *, enabled: bool, threshold: int | None
) -> AlertSetting:
    """Turn the account's alert on or off; readings known now never alert."""
    setting, created = AlertSetting.objects.select_for_update().get_or_create(
        user=user, contract=contract, defaults={"enabled": enabled}
    )
    if created or (enabled and not setting.enabled):
        setting.checked_through = last_reading_date(contract)
    setting.enabled = enabled
    setting.threshold_litres_per_day = threshold
    setting.save()
    return setting


def describe(alert: ConsumptionAlert) -> str:
    """One sentence about the alert (the banner and the alerts page)."""
    words = _(
        "From %(previous)s to %(date)s, your consumption was %(litres)s litres a day on average"
    ) % {
        "previous": f"{alert.previous_date:%d/%m/%Y}",
        "date": f"{alert.reading_date:%d/%m/%Y}",
        "litres": f"{alert.litres_per_day:,}".replace(",", "\u202f"),
    }
    if alert.usual_litres_per_day is not None:
        words += _(" (usually %(usual)s litres a day)") % {
            "usual": f"{alert.usual_litres_per_day:,}".replace(",", "\u202f")
        }
    return words + "."
