"""French display of money, volumes, differences and dates: 1 234,56 €, 12 m³, +3 m³, 05/01/2026.

These filters run for every cell of the contract pages' tables, so they format directly
(the portal is French only) instead of going through Django's per-call locale lookups
(``number_format``, ``date``), which cost several times more (bench/results/).
"""

import datetime
from decimal import ROUND_DOWN, Decimal, InvalidOperation

from django import template
from django.utils import timezone

register = template.Library()

NBSP = "\xa0"


def _decimal(value: object) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


# French separators, as Django's number_format gives them here: decimal comma,
# no-break space between thousands.
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = NBSP


def _plain(value: Decimal, decimals: int | None = None) -> str:
    if decimals is None:
        # As precise as the data, without trailing zeros: 160,5 and 200, not 200,000.
        value = value.quantize(Decimal(1)) if value == value.to_integral() else value.normalize()
        text = format(value, ",f")
    else:
        # Cut, not rounded, like number_format; never "-0".
        value = value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_DOWN)
        text = format(abs(value) if value == 0 else value, f",.{decimals}f")
    return (
        text.replace(",", "\x00")
        .replace(".", DECIMAL_SEPARATOR)
        .replace("\x00", THOUSAND_SEPARATOR)
    )


@register.filter
def file_size(value: object) -> str:
    """A file's size the French way: "45 ko", "1,2 Mo" (rounded up, never "0 ko")."""
    if not isinstance(value, int) or value < 0:
        return ""
    kilo = max(1, -(-value // 1000))
    if kilo < 1000:
        return f"{kilo}{NBSP}ko"
    tenths = -(-value // (100 * 1000))
    return f"{_plain(Decimal(tenths) / 10)}{NBSP}Mo"


@register.filter
def dmy(value: object) -> str:
    """A date as ``05/01/2026`` (``|date:"d/m/Y"`` without the locale machinery)."""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    if isinstance(value, datetime.date):
        return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"
    return ""


@register.filter
def euros(value: object) -> str:
    """``1234.5`` → ``1 234,50 €``."""
    amount = _decimal(value)
    if amount is None:
        return "—"
    return f"{_plain(amount, 2)}{NBSP}€"


@register.filter
def m3(value: object, decimals: object = None) -> str:
    """``160.500`` → ``160,5 m³``; ``m3:0`` rounds to whole m³."""
    number = number_fr(value, decimals)
    return number if number == "—" else f"{number}{NBSP}m³"


@register.filter
def number_fr(value: object, decimals: object = None) -> str:
    """A plain number in French format (no unit)."""
    number = _decimal(value)
    if number is None:
        return "—"
    places = int(str(decimals)) if decimals not in (None, "") else None
    return _plain(number, places)


@register.filter
def signed_m3(value: object) -> str:
    """A difference of volumes with its sign: ``+12 m³``, ``−3,5 m³``."""
    volume = _decimal(value)
    if volume is None:
        return "—"
    sign = "+" if volume > 0 else ("−" if volume < 0 else "")
    return f"{sign}{_plain(abs(volume))}{NBSP}m³"


@register.filter
def signed_percent(value: object) -> str:
    """``12`` → ``+12 %``, ``-3`` → ``−3 %``."""
    number = _decimal(value)
    if number is None:
        return "—"
    sign = "+" if number > 0 else ("−" if number < 0 else "")
    return f"{sign}{_plain(abs(number))}{NBSP}%"


def csv_decimal(value: Decimal | None) -> str:
    """For the CSV export: French decimal comma, no grouping, no unit."""
    if value is None:
        return ""
    value = value.quantize(Decimal(1)) if value == value.to_integral() else value.normalize()
    return format(value, "f").replace(".", ",")
