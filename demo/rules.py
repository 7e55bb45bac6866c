"""The demo billing rules, one source for ``seed_demo`` and ``generate_dataset``.

Meters are read on 15 January and 15 July; each reading after the first closes a
half-year billed as volume × price plus the half-year subscription, VAT on top, issued ten
days after the reading and due thirty days later. Made-up figures, close to the Pays
d'Aix's: the real tariff comes with the billing system's invoices.
"""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal

VAT = Decimal("1.055")  # water is taxed at 5.5 %
PRICE_M3 = Decimal("3.92")  # excluding tax
SUBSCRIPTION = Decimal("24.60")  # per half-year, excluding tax
CENT = Decimal("0.01")
ISSUED_AFTER_READING = datetime.timedelta(days=10)
DUE_AFTER_ISSUE = datetime.timedelta(days=30)


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def invoice_amounts(volume: Decimal) -> tuple[Decimal, Decimal]:
    """(excluding tax, including tax) of a half-year's invoice for ``volume`` m³."""
    excl = money(volume * PRICE_M3 + SUBSCRIPTION)
    return excl, money(excl * VAT)


def invoice_dates(reading: datetime.date) -> tuple[datetime.date, datetime.date]:
    """(issue date, due date) of the invoice closed by the reading of that date."""
    issue = reading + ISSUED_AFTER_READING
    return issue, issue + DUE_AFTER_ISSUE


def half_years(today: datetime.date, years: int) -> list[datetime.date]:
    """Reading dates (15 January, 15 July) over the last ``years`` years up to today,
    oldest first: ``2 × years + 1`` dates, so ``2 × years`` half-years billed."""
    dates = [
        datetime.date(year, month, 15)
        for year in range(today.year - years, today.year + 1)
        for month in (1, 7)
    ]
    return [d for d in dates if d <= today][-(2 * years + 1) :]


def tariff_lines() -> list[str]:
    """The tariff as the demo's tariff document states it."""
    return [
        f"Part proportionnelle : {PRICE_M3} EUR HT par m3.",
        f"Abonnement : {SUBSCRIPTION} EUR HT par semestre.",
        f"TVA : {str((VAT - 1) * 100).rstrip('0').rstrip('.').replace('.', ',')} %.",
    ]
