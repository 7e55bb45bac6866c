"""Consumption figures derived from meter readings, computed in the database.

Indexes only grow (the import refuses a decreasing one), so the consumption of the
readings dated in a year telescopes: the last index of the year minus the last index
before it. One grouped query gives every year, however long the history.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Max, Min
from django.db.models.functions import ExtractYear

from contracts.models import Contract


@dataclass(frozen=True)
class YearTotal:
    year: int
    volume: Decimal
    days: int
    readings: int
    previous: Decimal | None = None  # the volume of the calendar year before, if known

    @property
    def per_day_litres(self) -> int | None:
        if self.days <= 0:
            return None
        return int((self.volume * 1000 / self.days).quantize(Decimal(1)))

    @property
    def change(self) -> Decimal | None:
        return None if self.previous is None else self.volume - self.previous

    @property
    def change_percent(self) -> int | None:
        if self.previous is None or self.previous == 0:
            return None
        return int(((self.volume - self.previous) * 100 / self.previous).quantize(Decimal(1)))


def yearly_totals(contract: Contract) -> list[YearTotal]:
    """Consumption per calendar year of the reading dates, oldest first (one query)."""
    rows = list(
        contract.readings.annotate(year=ExtractYear("date"))
        .values("year")
        .annotate(
            first_date=Min("date"),
            last_date=Max("date"),
            first_index=Min("index"),
            last_index=Max("index"),
            count=Count("id"),
        )
        .order_by("year")
    )
    totals: list[YearTotal] = []
    before: Mapping[str, Any] | None = None
    by_year: dict[int, Decimal] = {}
    for row in rows:
        if before is None:
            # The very first reading starts the history: nothing is consumed before it.
            volume = row["last_index"] - row["first_index"]
            days = (row["last_date"] - row["first_date"]).days
            count = row["count"] - 1
        else:
            volume = row["last_index"] - before["last_index"]
            days = (row["last_date"] - before["last_date"]).days
            count = row["count"]
        if count == 0:
            # Only the very first reading: nothing measured yet in that year.
            before = row
            continue
        by_year[row["year"]] = volume
        totals.append(
            YearTotal(
                year=row["year"],
                volume=volume,
                days=days,
                readings=count,
                previous=by_year.get(row["year"] - 1),
            )
        )
        before = row
    return totals


# Geometry of the year-on-year chart, in % of the drawing's width so that the SVG takes the
# page's width while its text keeps its real size (14 px), whatever the screen.
LABEL_END = 17  # the year labels, left of the bars
BAR_START = 19
BAR_SPAN = 50  # the longest bar; its value is written after it
ROW = 30  # px per bar
GROUP_HEAD = 26  # px for the period's name above its two bars
GROUP_GAP = 12
AXIS = 52  # px for the scale and its unit under the bars


@dataclass(frozen=True)
class Bar:
    year: int
    value: Decimal | None
    y: int
    width: str  # "% of the drawing"

    @property
    def text_y(self) -> int:
        return self.y + 15

    @property
    def end(self) -> str:
        """Where the value is written: after the bar."""
        return f"{BAR_START + float(self.width.rstrip('%')):.1f}%"


@dataclass(frozen=True)
class Period:
    month: int
    heading_y: int
    this: Bar
    last: Bar

    @property
    def date(self) -> datetime.date:
        """The month, as a date for the template's ``date:"F"``."""
        return datetime.date(self.this.year, self.month, 1)

    @property
    def bars(self) -> tuple[Bar, Bar]:
        return (self.this, self.last)

    @property
    def change(self) -> Decimal | None:
        if self.this.value is None or self.last.value is None:
            return None
        return self.this.value - self.last.value


@dataclass(frozen=True)
class Comparison:
    """Each reading's consumption this year beside the one of the same month last year."""

    this_year: int
    last_year: int
    periods: list[Period]
    height: int
    axis_y: int
    ticks: list[tuple[str, Decimal]]  # (x in %, value in m³)

    label_end = f"{LABEL_END}%"
    bar_start = f"{BAR_START}%"
    axis_end = f"{BAR_START + BAR_SPAN}%"


def _nice_ceiling(value: Decimal) -> Decimal:
    """A round number (2, 3, 4, 5, 6, 8 or 10 times a power of ten) at least ``value``,
    even so that the middle tick is round too: the scale's end."""
    if value <= 0:
        return Decimal(10)
    power = Decimal(10) ** (len(str(int(value))) - 1)
    for step in (2, 3, 4, 5, 6, 8, 10):
        if step * power >= value:
            return step * power
    return 10 * power


def year_on_year(contract: Contract) -> Comparison | None:
    """The readings of the latest reading's year and of the year before, month by month.

    Readings are usually half-yearly, so a bar is a reading's consumption since the
    previous one; two readings of one month in one year add up. None without readings
    of consumption in the latest year.
    """
    latest = contract.readings.order_by("-date").values_list("date", flat=True).first()
    if latest is None:
        return None
    this_year, last_year = latest.year, latest.year - 1
    volumes: dict[tuple[int, int], Decimal] = {}
    # No date filter in SQL: it would run before the window function and hide the reading
    # before the first one of last year. Newest first, and stop at the year before last.
    for reading in contract.readings.with_consumption().order_by("-date"):
        if reading.date.year < last_year:
            break
        if reading.consumption is None:
            continue
        key = (reading.date.year, reading.date.month)
        volumes[key] = volumes.get(key, Decimal(0)) + reading.consumption
    if not any(year == this_year for year, _ in volumes):
        return None
    months = sorted({month for _, month in volumes})
    scale = _nice_ceiling(max(volumes.values()))

    def bar(year: int, month: int, y: int) -> Bar:
        value = volumes.get((year, month))
        share = float(value / scale * BAR_SPAN) if value else 0.0
        return Bar(year, value, y, f"{share:.1f}%")

    periods, y = [], 4
    for month in months:
        heading_y = y + 18
        top = y + GROUP_HEAD
        periods.append(
            Period(month, heading_y, bar(this_year, month, top), bar(last_year, month, top + ROW))
        )
        y = top + 2 * ROW + GROUP_GAP
    ticks = [
        (f"{BAR_START + BAR_SPAN * step / 2:.1f}%", (scale * step / 2).quantize(Decimal(1)))
        for step in range(3)
    ]
    return Comparison(this_year, last_year, periods, y + AXIS, y, ticks)


def twelve_month_window(today: datetime.date) -> datetime.date:
    """The day before the start of the last 12 months."""
    try:
        return today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        return today.replace(year=today.year - 1, day=28)
