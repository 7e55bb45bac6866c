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


@dataclass(frozen=True)
class Bar:
    label: str
    value: Decimal
    x: int
    y: int
    width: int
    height: int

    @property
    def label_x(self) -> int:
        return self.x + self.width // 2


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    baseline: int
    bars: list[Bar]
    maximum: Decimal
    gridlines: list[tuple[int, Decimal]]


def bar_chart(totals: list[YearTotal], last: int = 10) -> Chart | None:
    """Geometry of an SVG bar chart of the last ``last`` yearly totals (drawn server-side)."""
    shown = totals[-last:]
    if not shown:
        return None
    width, height, top, bottom, left = 640, 260, 20, 30, 56
    plot_h = height - top - bottom
    maximum = max((t.volume for t in shown), default=Decimal(0))
    scale_max = maximum if maximum > 0 else Decimal(1)
    slot = (width - left - 10) // len(shown)
    bar_w = max(8, int(slot * 0.6))
    bars = []
    for i, total in enumerate(shown):
        bar_h = int(total.volume / scale_max * plot_h)
        x = left + i * slot + (slot - bar_w) // 2
        bars.append(
            Bar(str(total.year), total.volume, x, top + plot_h - bar_h, bar_w, max(bar_h, 0))
        )
    grid = [
        (top + plot_h - int(plot_h * step / 4), (scale_max * step / 4).quantize(Decimal(1)))
        for step in range(1, 5)
    ]
    return Chart(width, height, top + plot_h, bars, maximum, grid)


def twelve_month_window(today: datetime.date) -> datetime.date:
    """The day before the start of the last 12 months."""
    try:
        return today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        return today.replace(year=today.year - 1, day=28)
