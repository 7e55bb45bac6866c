"""Reading periods, histories and exports for the readings tests."""

import datetime
from decimal import Decimal
from pathlib import Path

from django.test import TestCase
from django.utils import timezone

from contracts.billing.run import import_billing
from contracts.models import Contract, MeterReading, ReadingKind
from inquiries.models import Commune
from readings.models import ReadingWindow


def today() -> datetime.date:
    return timezone.localdate()


def days_ago(days: int) -> datetime.date:
    return today() - datetime.timedelta(days=days)


def open_window(postcode: str = "13100", name: str = "Aix-en-Provence", **days: int):
    """A period around today (``start``/``end``: days from today) for that commune."""
    commune = Commune.objects.get(postcode=postcode, name=name)
    return ReadingWindow.objects.create(
        commune=commune,
        opens_on=today() + datetime.timedelta(days=days.get("start", -2)),
        closes_on=today() + datetime.timedelta(days=days.get("end", 10)),
    )


def reading(contract: Contract, when: datetime.date, index: str, kind=ReadingKind.REAL):
    return MeterReading.objects.create(
        contract=contract, date=when, index=Decimal(index), kind=kind
    )


def a_year_of_history(contract: Contract) -> None:
    """900 m³ 545 days ago, 1,000 m³ 180 days ago: 100 m³ a year, about 274 litres a day.
    The index sent today must stay under 1,100 m³ (1,000 + 2 × 0.274 × 180, rounded up,
    plus 1) or be confirmed."""
    reading(contract, days_ago(545), "900")
    reading(contract, days_ago(180), "1000")


def run_import(tmp_path: Path, rows: list[str], *, dry_run: bool = False, name: str = "export"):
    """An export holding only readings.csv, imported with its on-commit callbacks run."""
    directory = tmp_path / name
    directory.mkdir(parents=True, exist_ok=True)
    lines = ["contract_number;date;index_m3;kind", *rows]
    (directory / "readings.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with TestCase.captureOnCommitCallbacks(execute=True):
        return import_billing(directory, dry_run=dry_run)
