"""Reading the billing export: the files and their columns, CSV rows, typed values, and
the report of an import (counts, timings, invalid rows as ``file:line: column: reason``)."""

from __future__ import annotations

import csv
import datetime
import functools
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Any

from django.db import models
from django.utils import formats, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from contracts.models import normalize_contract_number

MAX_REPORTED_ERRORS = 1000

# File name → (required columns, optional columns), in import order.
FILES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "payers.csv": (("payer_ref", "name"), ("email", "phone", "address")),
    "contracts.csv": (
        ("contract_number", "payer_ref"),
        (
            "key",
            "status",
            "start_date",
            "end_date",
            "service_address",
            "postcode",
            "city",
            "meter_number",
            "usage",
            "payment_method",
            "paperless",
            "remote_reading",
        ),
    ),
    "readings.csv": (("contract_number", "date", "index_m3"), ("kind",)),
    "invoices.csv": (
        (
            "invoice_number",
            "contract_number",
            "issue_date",
            "due_date",
            "amount_incl_tax",
            "amount_due",
        ),
        ("period_start", "period_end", "volume_m3", "amount_excl_tax", "pdf"),
    ),
    "payments.csv": (
        ("payment_ref", "contract_number", "date", "amount"),
        ("invoice_number", "method"),
    ),
}

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_FR_DATE = re.compile(r"([0-9]{2})/([0-9]{2})/([0-9]{4})")
# What may stay of a file name in private storage.
SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


# --- Report -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    file: str
    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.column}: {self.reason}"


@dataclass
class FileStats:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rows: int = 0


@dataclass
class ImportReport:
    dry_run: bool = False
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    stats: dict[str, FileStats] = field(default_factory=dict)
    seconds: float = 0.0
    # Seconds spent per phase (each file, the reading check, the commit): for benchmarks.
    timings: dict[str, float] = field(default_factory=dict)
    # Changes staff must see by name: contracts whose key or payer changes, keys kept.
    changes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    @property
    def rows(self) -> int:
        return sum(s.rows for s in self.stats.values())

    def add_error(self, error: RowError) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(error)

    @property
    def created(self) -> int:
        return sum(s.created for s in self.stats.values())

    @property
    def updated(self) -> int:
        return sum(s.updated for s in self.stats.values())

    def note_change(self, line: str) -> None:
        if len(self.changes) < MAX_REPORTED_ERRORS:
            self.changes.append(line)

    def summary_lines(self) -> list[str]:
        """What happened, in this order: the outcome, the counts under it, the contracts
        changed by name, the rows read."""
        if not self.ok:
            lines = [
                ngettext(
                    "Nothing was imported: %(count)s error.",
                    "Nothing was imported: %(count)s errors.",
                    self.error_count,
                )
                % {"count": self.error_count},
                _("Had the export been valid, it would have changed:"),
            ]
        elif self.dry_run:
            lines = [_("Dry run: nothing was written. The import would change:")]
        else:
            lines = [_("Imported:")]
        lines += [
            _("%(file)s — new: %(created)s, changed: %(updated)s, unchanged: %(unchanged)s")
            % {
                "file": name,
                "created": s.created,
                "updated": s.updated,
                "unchanged": s.unchanged,
            }
            for name, s in self.stats.items()
        ]
        lines += self.changes
        rate = self.rows / self.seconds if self.seconds else 0
        lines.append(
            ngettext(
                "%(rows)s row read in %(seconds)s s (%(rate)s rows/s)",
                "%(rows)s rows read in %(seconds)s s (%(rate)s rows/s)",
                self.rows,
            )
            % {
                "rows": self.rows,
                "seconds": formats.number_format(round(self.seconds, 1), 1),
                "rate": int(rate),
            }
        )
        return lines


class Invalid(Exception):
    def __init__(self, column: str, reason: str) -> None:
        super().__init__(reason)
        self.column = column
        self.reason = reason


# --- Value parsers --------------------------------------------------------------------------


@functools.lru_cache(maxsize=8192)  # exports repeat the same few dates on many rows
def parse_date(value: str) -> datetime.date:
    """``YYYY-MM-DD`` or ``DD/MM/YYYY``; ``ValueError`` otherwise."""
    if len(value) == 10:
        if value[4] == "-" and value[7] == "-" and _ISO_DATE.fullmatch(value):
            return datetime.date(int(value[:4]), int(value[5:7]), int(value[8:]))
        if value[2] == "/" and value[5] == "/" and _FR_DATE.fullmatch(value):
            return datetime.date(int(value[6:]), int(value[3:5]), int(value[:2]))
    raise ValueError(value)


def parse_decimal(value: str, places: int, *, max_digits: int = 12) -> Decimal:
    """A decimal written with ``.`` or ``,``, with at most ``places`` decimals and
    ``max_digits`` digits in all (leading zeros aside)."""
    pattern = _decimal_pattern(places, max_digits)
    if pattern.fullmatch(value) is None:
        raise ValueError(value)
    return Decimal(value.replace(",", ".")).quantize(_QUANTUM[places])


@functools.cache
def _decimal_pattern(places: int, max_digits: int) -> re.Pattern[str]:
    # ASCII digits only: Decimal() alone would take "1e3", "NaN", "1_000" or Arabic digits.
    return re.compile(rf"-?0*[0-9]{{1,{max_digits - places}}}(?:[.,][0-9]{{1,{places}}})?")


_QUANTUM = {places: Decimal(1).scaleb(-places) for places in range(7)}


def format_m3(value: Any) -> str:
    """A volume as written in French (SQLite hands window results back as floats)."""
    return f"{Decimal(str(value)).quantize(Decimal('0.001')).normalize():f}".replace(".", ",")


def fold(value: str) -> str:
    """``Carte bancaire``, ``CARTE-BANCAIRE`` and ``carte_bancaire`` alike: lower case,
    no accents, words joined by ``_``."""
    plain = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    return "_".join(re.split(r"[\s_\-'’]+", plain.strip().lower()))


# Words of the billing system's own exports beside the French labels of the choices.
ALIASES: dict[str, dict[str, str]] = {
    "PaymentMethod": {
        "prelevement": "direct_debit",
        "prelevement_automatique": "direct_debit",
        "tip": "tip",
        "tip_sepa": "tip",
        "virement": "transfer",
        "carte": "card",
        "carte_bancaire": "card",
        "cb": "card",
        "cheque": "cheque",
        "especes": "cash",
        "mensualisation": "monthly_plan",
        "autre": "other",
    },
    "ContractStatus": {
        "actif": "active",
        "en_cours": "active",
        "resilie": "terminated",
        "termine": "terminated",
    },
    "ReadingKind": {
        "reel": "real",
        "releve": "real",
        "estime": "estimated",
        "estimation": "estimated",
        "auto_releve": "self",
        "autoreleve": "self",
        "releve_par_l_abonne": "self",
        "telereleve": "remote",
    },
}


@functools.cache
def _choice_lookup(choices: type[models.TextChoices]) -> dict[str, str]:
    """Folded code, French label or alias → code."""
    lookup = {fold(code): code for code in choices.values}
    with translation.override("fr"):
        for code, label in choices.choices:
            lookup.setdefault(fold(str(label)), code)
    for alias, code in ALIASES.get(choices.__name__, {}).items():
        if code in choices.values:
            lookup.setdefault(alias, code)
    return lookup


def _choice_names(choices: type[models.TextChoices]) -> list[str]:
    with translation.override("fr"):
        return [f"{code} ({label})" for code, label in choices.choices]


# The ``extra`` of records that carry nothing more: one shared, read-only empty mapping
# (no dict per row of a file of millions).
NO_EXTRA: Mapping[str, Any] = MappingProxyType({})


@dataclass(slots=True)
class Record:
    """A parsed row: its line, its key in the file (number, reference…), its values, and
    what the file's rules need besides (``extra``: a contract's key, an invoice's PDF…)."""

    line: int
    key: Any
    values: dict[str, Any]
    extra: Mapping[str, Any] = NO_EXTRA


class Row:
    """One CSV row: typed accessors that note an ``Invalid`` (with the column's name) and
    go on with an empty value, so that every error of the row is reported at once."""

    __slots__ = ("cells", "errors", "positions")

    def __init__(self, cells: list[str], positions: dict[str, int]) -> None:
        self.cells = cells
        self.positions = positions  # column name → index in cells (known columns only)
        self.errors: list[Invalid] | None = None

    def fail(self, error: Invalid, default: Any = None) -> Any:
        """Note ``error`` (one per column) and return ``default``."""
        if self.errors is None:
            self.errors = [error]
        elif all(e.column != error.column for e in self.errors):
            self.errors.append(error)
        return default

    def raw(self, column: str) -> str:
        position = self.positions.get(column)
        if position is None or position >= len(self.cells):
            return ""
        return self.cells[position]

    def text(self, column: str, *, required: bool = False, max_length: int = 200) -> str:
        # The hottest function of a big import: raw() inlined.
        position = self.positions.get(column)
        cells = self.cells
        value = cells[position].strip() if position is not None and position < len(cells) else ""
        if not value:
            if required:
                return self.fail(Invalid(column, _("required value is missing")), "")
            return value
        if len(value) > max_length:
            return self.fail(
                Invalid(column, _("too long (at most %(max)s characters)") % {"max": max_length}),
                "",
            )
        if "\x00" in value:  # PostgreSQL refuses NUL in text
            return self.fail(Invalid(column, _("invalid character (NUL)")), "")
        return value

    def date(self, column: str, *, required: bool = False) -> datetime.date | None:
        value = self.text(column, required=required)
        if not value:
            return None
        try:
            return parse_date(value)
        except ValueError:
            return self.fail(
                Invalid(
                    column,
                    _("invalid date %(value)s (expected YYYY-MM-DD or DD/MM/YYYY)")
                    % {"value": value},
                )
            )

    def decimal(
        self, column: str, places: int = 2, *, required: bool = False, positive: bool = False
    ) -> Decimal | None:
        value = self.text(column, required=required)
        if not value:
            return None
        try:
            number = parse_decimal(value, places)
        except ValueError:
            return self.fail(
                Invalid(
                    column,
                    _("invalid number %(value)s (at most %(places)s decimals)")
                    % {"value": value, "places": places},
                )
            )
        if positive and number < 0:
            return self.fail(Invalid(column, _("must not be negative")))
        return number

    def contract_number(self, column: str = "contract_number") -> str:
        value = self.text(column, required=True)
        if not value:
            return ""
        try:
            return normalize_contract_number(value)
        except ValueError:
            return self.fail(
                Invalid(
                    column,
                    _("invalid contract number %(value)s (expected 11301.11377.01)")
                    % {"value": value},
                ),
                "",
            )

    def choice(self, column: str, choices: type[models.TextChoices], default: str = "") -> str:
        """A code (``direct_debit``) or a French label (``Prélèvement``): case, accents,
        blanks and hyphens do not matter."""
        value = self.text(column)
        if not value:
            return default
        code = _choice_lookup(choices).get(fold(value))
        if code is None:
            return self.fail(
                Invalid(
                    column,
                    _("invalid value %(value)s (expected one of: %(choices)s)")
                    % {"value": value, "choices": ", ".join(_choice_names(choices))},
                ),
                default,
            )
        return code


# --- Files ------------------------------------------------------------------------------------

ErrorSink = Callable[[str, int, str, str], None]


def read_rows(name: str, path: Path, error: ErrorSink) -> Iterator[tuple[int, Row]]:
    """The rows of one export file, numbered by their line; a missing required column,
    a bad encoding or malformed CSV is handed to ``error`` (file, line, column, reason)."""
    required, optional = FILES[name]
    line = 1
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle, delimiter=";")
            header = next(reader, None)
            if header is None:
                return
            columns = [c.strip().lower() for c in header]
            missing = [c for c in required if c not in columns]
            hint = ""
            if missing and any("," in c or "\t" in c for c in columns):
                hint = " " + _(
                    "(the header holds commas or tabs: the export's columns must be "
                    "separated by semicolons ;)"
                )
            for column in missing:
                error(name, 1, column, _("required column is missing") + hint)
            if missing:
                return
            positions = {c: i for i, c in enumerate(columns) if c in required or c in optional}
            for cells in reader:
                line = reader.line_num
                if not any(cells) or (len(cells) == 1 and not cells[0].strip()):
                    continue
                yield line, Row(cells, positions)
    except UnicodeDecodeError:
        # Decoding runs ahead of the csv reader: the bad byte is at or after this line.
        error(name, line + 1, "-", _("the file is not valid UTF-8"))
    except csv.Error as exc:
        error(name, line + 1, "-", _("malformed CSV: %(error)s") % {"error": exc})
