"""Import of the billing system's export (``manage.py import_billing`` and the admin upload).

The export is a folder of ``;``-separated UTF-8 CSV files (see ``FILES``), any of which may
be absent. The whole import runs in one transaction: if any row is invalid, nothing is
written and every invalid row is reported as ``file:line: column: reason``.

Speed and memory: rows are streamed in batches of ``BATCH_SIZE``. For each batch one query
fetches the rows that already exist; new rows are inserted (COPY on PostgreSQL, in a
writer thread so the server stores batch N while Python parses batch N+1; bulk_create
elsewhere), changed rows bulk-updated, unchanged rows only counted, so re-importing the
same export writes nothing. Only maps of payer reference / contract number → id are kept
in memory. Keys are hashed with Argon2 (~0.2-0.4 s of CPU each, several at once on a
multi-core machine): a new contract costs that once, and an existing contract whose row
carries a key costs one check; leave the key empty for contracts whose key has not changed.

Known limits: a row repeated in two different batches of one big file is applied twice
(the later wins) rather than reported; PDFs copied before a failed import stay in private
storage, unreferenced (their names are content-addressed, so nothing points to a wrong file).
"""

from __future__ import annotations

import csv
import datetime
import functools
import hashlib
import operator
import os
import re
import shutil
import time
import zipfile
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import Any

from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.validators import validate_email
from django.db import connection, models, transaction
from django.db.models import F, Max, Window
from django.db.models.functions import Lag
from django.utils.translation import gettext as _

from contracts import fragments, signals
from contracts.models import (
    Contract,
    ContractStatus,
    Invoice,
    MeterReading,
    Payer,
    Payment,
    PaymentMethod,
    ReadingKind,
    hash_key,
    normalize_contract_number,
    normalize_key,
)

BATCH_SIZE = 5000
MAX_REPORTED_ERRORS = 1000
PROGRESS_EVERY_SECONDS = 2.0
ANALYZE_EVERY_ROWS = 100_000
KEY_HASH_WORKERS = min(8, os.cpu_count() or 1)

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
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


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

    def summary_lines(self) -> list[str]:
        lines = [
            _("%(file)s: new %(created)s, changed %(updated)s, unchanged %(unchanged)s")
            % {
                "file": name,
                "created": s.created,
                "updated": s.updated,
                "unchanged": s.unchanged,
            }
            for name, s in self.stats.items()
        ]
        rate = self.rows / self.seconds if self.seconds else 0
        lines.append(
            _("rows: %(rows)s in %(seconds).1f s (%(rate)s rows/s)")
            % {"rows": self.rows, "seconds": self.seconds, "rate": int(rate)}
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


def _m3(value: Any) -> str:
    """A volume as written in French (SQLite hands window results back as floats)."""
    return f"{Decimal(str(value)).quantize(Decimal('0.001')).normalize():f}".replace(".", ",")


@functools.cache
def _choice_values(choices: type[models.TextChoices]) -> frozenset[str]:
    return frozenset(choices.values)


class Row:
    """One CSV row: typed accessors that raise ``Invalid`` with the column's name."""

    __slots__ = ("cells", "positions")

    def __init__(self, cells: list[str], positions: dict[str, int]) -> None:
        self.cells = cells
        self.positions = positions  # column name → index in cells (known columns only)

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
                raise Invalid(column, _("required value is missing"))
            return value
        if len(value) > max_length:
            raise Invalid(column, _("too long (at most %(max)s characters)") % {"max": max_length})
        if "\x00" in value:  # PostgreSQL refuses NUL in text
            raise Invalid(column, _("invalid character (NUL)"))
        return value

    def date(self, column: str, *, required: bool = False) -> datetime.date | None:
        value = self.text(column, required=required)
        if not value:
            return None
        try:
            return parse_date(value)
        except ValueError:
            raise Invalid(
                column,
                _("invalid date %(value)s (expected YYYY-MM-DD or DD/MM/YYYY)") % {"value": value},
            ) from None

    def decimal(
        self, column: str, places: int = 2, *, required: bool = False, positive: bool = False
    ) -> Decimal | None:
        value = self.text(column, required=required)
        if not value:
            return None
        try:
            number = parse_decimal(value, places)
        except ValueError:
            raise Invalid(
                column,
                _("invalid number %(value)s (at most %(places)s decimals)")
                % {"value": value, "places": places},
            ) from None
        if positive and number < 0:
            raise Invalid(column, _("must not be negative"))
        return number

    def contract_number(self, column: str = "contract_number") -> str:
        value = self.text(column, required=True)
        try:
            return normalize_contract_number(value)
        except ValueError:
            raise Invalid(
                column,
                _("invalid contract number %(value)s (expected 11301.11377.01)") % {"value": value},
            ) from None

    def choice(self, column: str, choices: type[models.TextChoices], default: str = "") -> str:
        value = self.text(column).lower()
        if not value:
            return default
        if value not in _choice_values(choices):
            raise Invalid(
                column,
                _("invalid value %(value)s (expected one of: %(choices)s)")
                % {"value": value, "choices": ", ".join(choices.values)},
            )
        return value


def insert_rows(model: type[models.Model], rows: list[dict[str, Any]]) -> None:
    """Insert new rows (dicts of attribute → value, all with the same keys).

    PostgreSQL gets them through COPY (several times faster than INSERT for big exports);
    other databases through bulk_create.
    """
    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create([model(**row) for row in rows], batch_size=1000)
        return
    sql, attnames = _copy_statement(model, rows)
    _copy_rows(connection.connection, sql, attnames, rows)


def _copy_statement(model: type[models.Model], rows: list[dict[str, Any]]) -> tuple[str, list[str]]:
    attnames = list(rows[0])
    qn = connection.ops.quote_name
    columns = ", ".join(qn(model._meta.get_field(name).column) for name in attnames)
    return f"COPY {qn(model._meta.db_table)} ({columns}) FROM STDIN", attnames


def _copy_rows(
    raw_connection: Any, sql: str, attnames: list[str], rows: list[dict[str, Any]]
) -> None:
    """COPY through the psycopg connection itself (usable from the writer thread)."""
    if len(attnames) < 2:  # itemgetter would hand back a bare value, not a row
        raise ValueError("COPY of fewer than two columns")
    values = operator.itemgetter(*attnames)  # a tuple per row, built in C
    with raw_connection.cursor() as cursor, cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(values(row))


def fetch_existing(
    model: type[models.Model], key_field: str, keys: list[Any], fields: list[str]
) -> list[dict[str, Any]]:
    """Rows of ``model`` whose ``key_field`` is in ``keys``, as dicts of id, key and fields.

    On PostgreSQL the keys travel as one array parameter (``= ANY(%s)``) rather than
    thousands of placeholders, which psycopg would have to parse on every batch.
    """
    names = ["id", key_field, *fields]
    if connection.vendor != "postgresql":
        return list(model.objects.filter(**{f"{key_field}__in": keys}).values(*names))
    qn = connection.ops.quote_name
    columns = ", ".join(qn(model._meta.get_field(name).column) for name in names)
    key_column = qn(model._meta.get_field(key_field).column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns} FROM {qn(model._meta.db_table)} WHERE {key_column} = ANY(%s)",  # noqa: S608 - names from the model
            [keys],
        )
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _decreasing_readings(contract_ids: list[int]) -> list[tuple[Any, ...]]:
    """(number, date, index, previous date, previous index) of readings lower than the
    previous reading of the same contract, among these contracts."""
    if connection.vendor == "postgresql":
        # The ORM would wrap the window in a subquery joined to contracts; this plain form
        # is several times faster on a freshly loaded table.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT c.number, r.date, r.index, r.previous_date, r.previous_index FROM ("
                " SELECT contract_id, date, index,"
                "  lag(index) OVER w AS previous_index, lag(date) OVER w AS previous_date"
                " FROM contracts_meterreading WHERE contract_id = ANY(%s)"
                " WINDOW w AS (PARTITION BY contract_id ORDER BY date)"
                ") r JOIN contracts_contract c ON c.id = r.contract_id"
                " WHERE r.index < r.previous_index",
                [contract_ids],
            )
            return cursor.fetchall()
    by_date = {"partition_by": [F("contract_id")], "order_by": F("date").asc()}
    return list(
        MeterReading.objects.filter(contract_id__in=contract_ids)
        .annotate(
            previous_index=Window(Lag("index"), **by_date),
            previous_date=Window(Lag("date"), **by_date),
        )
        .filter(index__lt=F("previous_index"))
        .values_list("contract__number", "date", "index", "previous_date", "previous_index")
    )


def fetch_by_ids(
    model: type[models.Model], ids: list[int], fields: list[str]
) -> list[dict[str, Any]]:
    """Rows of ``model`` with these ids, as dicts of id and fields."""
    names = ["id", *fields]
    if connection.vendor != "postgresql":
        return list(model.objects.filter(id__in=ids).values(*names))
    qn = connection.ops.quote_name
    columns = ", ".join(qn(model._meta.get_field(name).column) for name in names)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns} FROM {qn(model._meta.db_table)} WHERE id = ANY(%s)",  # noqa: S608 - names from the model
            [ids],
        )
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


# --- The importer -----------------------------------------------------------------------------


@dataclass(slots=True)
class Record:
    line: int
    key: Any
    values: dict[str, Any]
    extra: dict[str, Any] | None = None


Progress = Callable[[str, int, float], None]


class BillingImport:
    def __init__(
        self,
        directory: Path | str,
        *,
        dry_run: bool = False,
        progress: Progress | None = None,
        batch_size: int = BATCH_SIZE,
    ) -> None:
        self.directory = Path(directory).resolve()
        self.dry_run = dry_run
        self.progress = progress
        self.batch_size = batch_size
        self.report = ImportReport(dry_run=dry_run)
        self.payer_ids: dict[str, int] = {}
        self.contract_ids: dict[str, int] = {}
        self.touched_contracts: set[int] = set()
        self._ids_by_raw_number: dict[str, int] = {}
        self._created_since_analyze: dict[type[models.Model], int] = {}
        self._writer: ThreadPoolExecutor | None = None
        self._invoice_map: dict[str, tuple[int | None, int]] | None = None
        self._invoices_max_id = 0
        self._invoices_resolved = False
        self._pending: Future[None] | None = None
        # Keys of rows found invalid, so rows referring to them say so instead of "unknown".
        self.rejected: dict[str, set[str]] = {"payer": set(), "contract": set(), "invoice": set()}

    # -- driver --

    def run(self) -> ImportReport:
        started = time.monotonic()
        with transaction.atomic():
            if connection.vendor == "postgresql":
                # Django's foreign keys are DEFERRABLE INITIALLY DEFERRED: a million queued
                # checks would all run at COMMIT. Checked as rows arrive they cost less, and
                # every reference was already resolved against the database anyway.
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            try:
                self._import_all()
                # Files of other apps (payments: instalments.csv), same transaction.
                signals.billing_import.send(
                    BillingImport, directory=self.directory, dry_run=self.dry_run, error=self._error
                )
            finally:
                # The writer thread must be done with the connection before COMMIT/ROLLBACK.
                if self._writer is not None:
                    self._writer.shutdown(wait=True)
            if self.dry_run or not self.report.ok:
                transaction.set_rollback(True)
            else:
                # Bulk writes send no signals: retire the contract pages kept in the cache.
                fragments.data_changed()
            phase = time.monotonic()
        self.report.timings["commit"] = time.monotonic() - phase
        self.report.seconds = time.monotonic() - started
        return self.report

    def _import_all(self) -> None:
        self.payer_ids = dict(Payer.objects.values_list("reference", "id"))
        self.contract_ids = dict(Contract.objects.values_list("number", "id"))
        for name, handler in (
            ("payers.csv", self._payers),
            ("contracts.csv", self._contracts),
            ("readings.csv", self._readings),
            ("invoices.csv", self._invoices),
            ("payments.csv", self._payments),
        ):
            path = self.directory / name
            if path.is_file():
                self.report.stats[name] = FileStats()
                phase = time.monotonic()
                self._import_file(name, path, handler)
                self._wait_for_writes()
                self.report.timings[name] = time.monotonic() - phase
        phase = time.monotonic()
        if self.touched_contracts:
            self._check_reading_order()
        self.report.timings["reading order check"] = time.monotonic() - phase

    def _error(self, file: str, line: int, column: str, reason: str) -> None:
        self.report.add_error(RowError(file, line, column, reason))

    def _read(self, name: str, path: Path) -> Iterator[tuple[int, Row]]:
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
                for column in missing:
                    self._error(name, 1, column, _("required column is missing"))
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
            self._error(name, line + 1, "-", _("the file is not valid UTF-8"))
        except csv.Error as exc:
            self._error(name, line + 1, "-", _("malformed CSV: %(error)s") % {"error": exc})

    def _import_file(
        self, name: str, path: Path, handler: Callable[[str, list[Record]], None]
    ) -> None:
        parse = getattr(self, f"_parse_{name.removesuffix('.csv')}")
        stats = self.report.stats[name]
        started = last = time.monotonic()
        batch: list[Record] = []
        seen: set[Any] = set()
        for line, row in self._read(name, path):
            stats.rows += 1
            try:
                record = parse(line, row)
            except Invalid as exc:
                self._error(name, line, exc.column, exc.reason)
                self._reject(name, row)
                continue
            if record.key in seen:
                self._error(name, line, "-", _("this row repeats an earlier row of the file"))
                continue
            seen.add(record.key)
            batch.append(record)
            if len(batch) >= self.batch_size:
                handler(name, batch)
                batch, seen = [], set()
                now = time.monotonic()
                if self.progress and now - last >= PROGRESS_EVERY_SECONDS:
                    last = now
                    self.progress(name, stats.rows, stats.rows / (now - started))
        if batch:
            handler(name, batch)
        if self.progress:
            elapsed = max(time.monotonic() - started, 1e-6)
            self.progress(name, stats.rows, stats.rows / elapsed)

    def _insert(
        self, model: type[models.Model], rows: list[dict[str, Any]], *, background: bool = False
    ) -> None:
        """Insert new rows; on PostgreSQL, with ``background``, the COPY runs in a writer
        thread while this one parses the next batch (the server works, Python parses: two
        cores busy instead of one). Every database access first waits for it."""
        self._wait_for_writes()
        if not rows:
            return
        if connection.vendor != "postgresql":
            insert_rows(model, rows)
            return
        if background:
            if self._writer is None:
                self._writer = ThreadPoolExecutor(1, thread_name_prefix="billing-copy")
            sql, attnames = _copy_statement(model, rows)
            connection.ensure_connection()
            self._pending = self._writer.submit(
                _copy_rows, connection.connection, sql, attnames, rows
            )
        else:
            insert_rows(model, rows)
        # A table loaded from empty keeps the planner's "empty table" estimates until
        # autovacuum runs, long after this transaction: refresh them as it grows, so the
        # per-batch lookups and the final reading check use their indexes.
        created = self._created_since_analyze.get(model, 0) + len(rows)
        if created >= ANALYZE_EVERY_ROWS:
            self._wait_for_writes()
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
            created = 0
        self._created_since_analyze[model] = created

    def _invoices_map(self) -> dict[str, tuple[int | None, int]]:
        """Invoice number → (id, contract id) of every invoice, loaded once (a map of
        numbers, as for contracts): existence checks and payments' references need no
        query per batch."""
        if self._invoice_map is None:
            self._invoices_max_id = Invoice.objects.aggregate(m=Max("id"))["m"] or 0
            self._invoice_map = {
                number: (invoice_id, contract_id)
                for number, invoice_id, contract_id in Invoice.objects.values_list(
                    "number", "id", "contract_id"
                ).iterator(chunk_size=10_000)
            }
        return self._invoice_map

    def _resolve_new_invoice_ids(self) -> None:
        """Ids of the invoices created by this import (COPY does not return them)."""
        invoices = self._invoices_map()
        if self._invoices_resolved:
            return
        self._invoices_resolved = True
        self._wait_for_writes()
        new = Invoice.objects.filter(id__gt=self._invoices_max_id).values_list(
            "number", "id", "contract_id"
        )
        for number, invoice_id, contract_id in new.iterator(chunk_size=10_000):
            invoices[number] = (invoice_id, contract_id)

    def _wait_for_writes(self) -> None:
        """Wait for the writer thread's COPY (and raise its error, if any)."""
        if self._pending is not None:
            pending, self._pending = self._pending, None
            pending.result()

    def _reject(self, name: str, row: Row) -> None:
        kind, column = {
            "payers.csv": ("payer", "payer_ref"),
            "contracts.csv": ("contract", "contract_number"),
            "invoices.csv": ("invoice", "invoice_number"),
        }.get(name, ("", ""))
        if kind and len(self.rejected[kind]) < 100_000:
            value = row.raw(column).strip()
            try:
                value = normalize_contract_number(value) if kind == "contract" else value
            except ValueError:
                return
            self.rejected[kind].add(value)

    def _unknown(self, column: str, kind: str, value: str) -> Invalid:
        if value in self.rejected[kind]:
            return Invalid(
                column, _("%(value)s is itself invalid in this export") % {"value": value}
            )
        messages = {
            "payer": _("unknown payer %(value)s"),
            "contract": _("unknown contract %(value)s"),
            "invoice": _("unknown invoice %(value)s"),
        }
        return Invalid(column, messages[kind] % {"value": value})

    def _upsert(
        self,
        name: str,
        model: type[models.Model],
        key_field: str,
        records: list[Record],
        compare: list[str],
        prepare: Callable[[Record, dict[str, Any] | None], dict[str, Any] | None] | None = None,
        known: dict[str, tuple[int | None, int]] | None = None,
    ) -> list[dict[str, Any]]:
        """Create new rows, update changed ones, count unchanged ones; return created.

        ``known`` (key → (id or None, contract id)) says which keys exist without asking
        the database: only the rows that exist are fetched, by id.
        """
        stats = self.report.stats[name]
        self._wait_for_writes()
        keys = [r.key for r in records]
        if known is None:
            rows = fetch_existing(model, key_field, keys, compare)
        else:
            ids = [known[key][0] for key in keys if key in known]
            if None in ids:  # created earlier in this import, id not looked up yet
                rows = fetch_existing(model, key_field, keys, compare)
            else:
                rows = fetch_by_ids(model, ids, [key_field, *compare]) if ids else []
        existing = {row[key_field]: row for row in rows}
        to_create, to_update, changed_fields = [], [], set()
        for record in records:
            old = existing.get(record.key)
            values = prepare(record, old) if prepare else record.values
            if values is None:  # prepare reported an error
                continue
            if old is None:
                values[key_field] = record.key  # records are used once: no copy
                to_create.append(values)
                continue
            changed = {f for f, v in values.items() if old[f] != v}
            if not changed:
                stats.unchanged += 1
                continue
            changed_fields |= changed
            merged = {f: old[f] for f in compare} | values
            to_update.append(model(id=old["id"], **{key_field: record.key}, **merged))
        # Updates first: the insert may go on in the writer thread after this returns.
        if to_update:
            model.objects.bulk_update(to_update, sorted(changed_fields), batch_size=500)
            stats.updated += len(to_update)
            if known is not None:  # an invoice may have moved to another contract
                for obj in to_update:
                    known[getattr(obj, key_field)] = (obj.pk, obj.contract_id)
        if to_create:
            # Payers' and contracts' ids are needed right after: only the big files go
            # through the writer thread.
            self._insert(model, to_create, background=model in (Invoice, Payment))
            stats.created += len(to_create)
            if known is not None:
                for values in to_create:
                    known[values[key_field]] = (None, values["contract_id"])
        return to_create

    # -- payers --

    def _parse_payers(self, line: int, row: Row) -> Record:
        email = row.text("email", max_length=254)
        if email:
            try:
                validate_email(email)
            except ValidationError:
                raise Invalid(
                    "email", _("invalid email address %(value)s") % {"value": email}
                ) from None
        return Record(
            line,
            row.text("payer_ref", required=True, max_length=32),
            {
                "name": row.text("name", required=True),
                "email": email,
                "phone": row.text("phone", max_length=32),
                "address": row.text("address", max_length=1000),
            },
        )

    def _payers(self, name: str, records: list[Record]) -> None:
        created = self._upsert(
            name, Payer, "reference", records, ["name", "email", "phone", "address"]
        )
        self._remember_ids(Payer, "reference", created, self.payer_ids)

    def _remember_ids(
        self,
        model: type[models.Model],
        key_field: str,
        created: list[dict[str, Any]],
        into: dict[str, int],
    ) -> None:
        keys = [row[key_field] for row in created]
        if keys:
            into.update(
                model.objects.filter(**{f"{key_field}__in": keys}).values_list(key_field, "id")
            )

    # -- contracts --

    def _parse_contracts(self, line: int, row: Row) -> Record:
        number = row.contract_number()
        payer_ref = row.text("payer_ref", required=True, max_length=32)
        payer_id = self.payer_ids.get(payer_ref)
        if payer_id is None:
            raise self._unknown("payer_ref", "payer", payer_ref)
        start, end = row.date("start_date"), row.date("end_date")
        if start and end and end < start:
            raise Invalid("end_date", _("the end date is before the start date"))
        paperless = row.text("paperless").lower()
        if paperless not in ("", "0", "1"):
            raise Invalid(
                "paperless", _("invalid value %(value)s (expected 0 or 1)") % {"value": paperless}
            )
        key = normalize_key(row.text("key", max_length=64))
        if not key and number not in self.contract_ids:
            raise Invalid("key", _("a key is required for a new contract"))
        return Record(
            line,
            number,
            {
                "payer_id": payer_id,
                "status": row.choice("status", ContractStatus, ContractStatus.ACTIVE),
                "start_date": start,
                "end_date": end,
                "street": row.text("service_address"),
                "postcode": row.text("postcode", max_length=10),
                "city": row.text("city", max_length=100),
                "meter_number": row.text("meter_number", max_length=32),
                "usage": row.text("usage", max_length=64),
                "payment_method": row.choice("payment_method", PaymentMethod),
                "paperless": paperless == "1",
            },
            {"key": key},
        )

    def _contracts(self, name: str, records: list[Record]) -> None:
        # A new contract gets its key hashed; an existing one keeps its hash unless the
        # export brings a different key (one Argon2 check). Argon2 runs in C without the
        # GIL: the batch's keys are hashed on every CPU at once.
        self._wait_for_writes()
        stored = dict(
            Contract.objects.filter(number__in=[r.key for r in records]).values_list(
                "number", "key_hash"
            )
        )

        def new_hash(record: Record) -> str | None:
            key = record.extra["key"]
            if record.key not in stored:
                return hash_key(key)
            old_hash = stored[record.key]
            if key and not (old_hash and check_password(key, old_hash)):
                return hash_key(key)
            return None

        if sum(1 for r in records if r.extra["key"]) > 1:
            with ThreadPoolExecutor(KEY_HASH_WORKERS, thread_name_prefix="key-hash") as pool:
                hashes = list(pool.map(new_hash, records))
        else:
            hashes = [new_hash(r) for r in records]
        for record, key_hash in zip(records, hashes, strict=True):
            if key_hash is not None:
                record.values["key_hash"] = key_hash

        compare = [*records[0].values.keys() - {"key_hash"}, "key_hash"]
        created = self._upsert(name, Contract, "number", records, compare)
        self._remember_ids(Contract, "number", created, self.contract_ids)

    def _contract_id(self, row: Row) -> int:
        raw = row.raw("contract_number")
        contract_id = self._ids_by_raw_number.get(raw)
        if contract_id is not None:  # the same number as typed before: skip normalising
            return contract_id
        number = row.contract_number()
        contract_id = self.contract_ids.get(number)
        if contract_id is None:
            raise self._unknown("contract_number", "contract", number)
        if len(self._ids_by_raw_number) < 2_000_000:
            self._ids_by_raw_number[raw] = contract_id
        return contract_id

    # -- readings --

    def _parse_readings(self, line: int, row: Row) -> Record:
        contract_id = self._contract_id(row)
        date = row.date("date", required=True)
        values = {
            "index": row.decimal("index_m3", 3, required=True, positive=True),
            "kind": row.choice("kind", ReadingKind, ReadingKind.REAL),
        }
        return Record(line, (contract_id, date), values)

    def _readings(self, name: str, records: list[Record]) -> None:
        stats = self.report.stats[name]
        self._wait_for_writes()
        contract_ids = {r.key[0] for r in records}
        dates = {r.key[1] for r in records}
        names = ("id", "contract_id", "date", "index", "kind")
        first, last = min(dates), max(dates)
        if connection.vendor != "postgresql":
            rows = list(
                MeterReading.objects.filter(contract_id__in=contract_ids, date__in=dates).values(
                    *names
                )
            )
        elif len(contract_ids) <= 1000 or (last - first).days <= 400:
            # Exports come grouped by contract (or hold a few months): all readings of these
            # contracts between the batch's first and last dates is a small superset, and by
            # far the cheapest query to send and to answer.
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT id, contract_id, date, index, kind FROM contracts_meterreading "
                    "WHERE contract_id = ANY(%s) AND date BETWEEN %s AND %s",
                    [list(contract_ids), first, last],
                )
                rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        else:
            # Exactly the (contract, date) pairs of the batch.
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT id, contract_id, date, index, kind FROM contracts_meterreading "
                    "WHERE (contract_id, date) IN "
                    "(SELECT * FROM unnest(%s::bigint[], %s::date[]))",
                    [[r.key[0] for r in records], [r.key[1] for r in records]],
                )
                rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        existing = {(row["contract_id"], row["date"]): row for row in rows}
        to_create, to_update = [], []
        for record in records:
            contract_id, date = record.key
            old = existing.get(record.key)
            if old is None:
                to_create.append({"contract_id": contract_id, "date": date, **record.values})
            elif old["index"] != record.values["index"] or old["kind"] != record.values["kind"]:
                to_update.append(
                    MeterReading(id=old["id"], contract_id=contract_id, date=date, **record.values)
                )
            else:
                stats.unchanged += 1
                continue
            self.touched_contracts.add(contract_id)
        if to_update:
            MeterReading.objects.bulk_update(to_update, ["index", "kind"], batch_size=500)
        self._insert(MeterReading, to_create, background=True)
        stats.created += len(to_create)
        stats.updated += len(to_update)

    def _check_reading_order(self) -> None:
        """Report readings lower than the previous one of the same contract (one window
        query per chunk of touched contracts), then find their lines in readings.csv."""
        pairs: list[tuple[tuple[str, datetime.date], tuple[str, datetime.date], str]] = []
        touched = sorted(self.touched_contracts)
        chunk = 5000 if connection.vendor == "postgresql" else 500
        for start in range(0, len(touched), chunk):
            rows = _decreasing_readings(touched[start : start + chunk])
            for number, date, index, previous_date, previous_index in rows:
                reason = _(
                    "index %(index)s m³ is lower than the previous reading "
                    "(%(previous)s m³ on %(date)s)"
                ) % {
                    "index": _m3(index),
                    "previous": _m3(previous_index),
                    "date": f"{previous_date:%d/%m/%Y}",
                }
                pairs.append(((number, date), (number, previous_date), reason))
        if not pairs:
            return
        wanted = {key for pair in pairs for key in pair[:2]}
        lines: dict[tuple[str, datetime.date], int] = {}
        for line, row in self._read("readings.csv", self.directory / "readings.csv"):
            try:
                key = (row.contract_number(), row.date("date", required=True))
            except Invalid:
                continue
            if key in wanted:
                lines[key] = line
        for current, previous, reason in pairs:
            # The later reading is the suspect one; if only the earlier one comes from
            # this export, report that row instead.
            line = lines.get(current) or lines.get(previous) or 0
            self._error("readings.csv", line, "index_m3", reason)

    # -- invoices --

    def _parse_invoices(self, line: int, row: Row) -> Record:
        number = row.text("invoice_number", required=True, max_length=32)
        contract_id = self._contract_id(row)
        period_start, period_end = row.date("period_start"), row.date("period_end")
        if period_start and period_end and period_end < period_start:
            raise Invalid("period_end", _("the end of the period is before its start"))
        values = {
            "contract_id": contract_id,
            "issue_date": row.date("issue_date", required=True),
            "due_date": row.date("due_date", required=True),
            "period_start": period_start,
            "period_end": period_end,
            "volume_m3": row.decimal("volume_m3", 3, positive=True),
            "amount_excl_tax": row.decimal("amount_excl_tax"),
            "amount_incl_tax": row.decimal("amount_incl_tax", required=True),
            "amount_due": row.decimal("amount_due", required=True),
        }
        pdf = row.text("pdf", max_length=500)
        extra = None
        if pdf:
            source = self._pdf_source(pdf)
            digest = hashlib.sha256(source.read_bytes()).hexdigest()[:16]
            safe = _SAFE_NAME.sub("_", number)
            extra = {
                "source": source,
                "name": f"invoices/{values['issue_date']:%Y}/{safe}-{digest}.pdf",
            }
        return Record(line, number, values, extra)

    def _pdf_source(self, relative: str) -> Path:
        candidate = (self.directory / relative).resolve()
        if not candidate.is_relative_to(self.directory):
            raise Invalid(
                "pdf", _("the path %(value)s leaves the export folder") % {"value": relative}
            )
        if not candidate.is_file():
            raise Invalid("pdf", _("PDF file %(value)s not found") % {"value": relative})
        with candidate.open("rb") as handle:
            if handle.read(5) != b"%PDF-":
                raise Invalid("pdf", _("%(value)s is not a PDF file") % {"value": relative})
        return candidate

    def _invoices(self, name: str, records: list[Record]) -> None:
        def prepare(record: Record, old: dict[str, Any] | None) -> dict[str, Any]:
            values = record.values
            target = record.extra["name"] if record.extra else None
            if target:
                values["pdf"] = target
                if (
                    (old is None or old["pdf"] != target)
                    and not self.dry_run
                    and not default_storage.exists(target)
                ):
                    with record.extra["source"].open("rb") as handle:
                        saved = default_storage.save(target, File(handle))
                    values["pdf"] = saved
            elif old is not None:
                values["pdf"] = old["pdf"]  # no PDF in this export: keep the one we have
            else:
                values["pdf"] = ""
            return values

        compare = [*records[0].values.keys(), "pdf"]
        self._upsert(name, Invoice, "number", records, compare, prepare, known=self._invoices_map())

    # -- payments --

    def _parse_payments(self, line: int, row: Row) -> Record:
        return Record(
            line,
            row.text("payment_ref", required=True, max_length=32),
            {
                "contract_id": self._contract_id(row),
                "date": row.date("date", required=True),
                "amount": row.decimal("amount", required=True),
                "method": row.choice("method", PaymentMethod),
            },
            {"invoice_number": row.text("invoice_number", max_length=32)},
        )

    def _payments(self, name: str, records: list[Record]) -> None:
        self._wait_for_writes()
        invoices = self._invoices_map()
        self._resolve_new_invoice_ids()

        def prepare(record: Record, old: dict[str, Any] | None) -> dict[str, Any] | None:
            values = record.values
            number = record.extra["invoice_number"]
            values["invoice_id"] = None
            if number:
                found = invoices.get(number)
                if found is None or found[0] is None:
                    self._error(
                        name,
                        record.line,
                        "invoice_number",
                        self._unknown("invoice_number", "invoice", number).reason,
                    )
                    return None
                if found[1] != values["contract_id"]:
                    self._error(
                        name,
                        record.line,
                        "invoice_number",
                        _("invoice %(value)s belongs to another contract") % {"value": number},
                    )
                    return None
                values["invoice_id"] = found[0]
            return values

        compare = [*records[0].values.keys(), "invoice_id"]
        self._upsert(name, Payment, "reference", records, compare, prepare)


def import_billing(
    directory: Path | str, *, dry_run: bool = False, progress: Progress | None = None
) -> ImportReport:
    """Import the export in ``directory``; see the module docstring for the rules."""
    return BillingImport(directory, dry_run=dry_run, progress=progress).run()


# --- Uploads (admin) ---------------------------------------------------------------------------

MAX_UPLOAD_BYTES = 512 * 1024 * 1024  # uncompressed, all files together
MAX_ZIP_MEMBERS = 200_000


class UploadRejected(Exception):
    """An upload that cannot be turned into an export folder (bad zip, odd names…)."""


def _safe_member_path(name: str) -> PurePosixPath | None:
    """The relative path of a zip member, or None if it is unsafe."""
    if "\\" in name or name.startswith("/") or "\x00" in name:
        return None
    path = PurePosixPath(name)
    if not path.parts or any(part in ("", ".", "..") for part in path.parts):
        return None
    if ":" in path.parts[0]:
        return None
    return path


def extract_upload(files: list[Any], target: Path) -> None:
    """Write uploaded CSV files, PDFs and zips of them into ``target`` (a fresh folder).

    A zip holds the export as the billing system writes it (the CSV files at its root or
    in one top folder, the PDFs where invoices.csv says). Member names are checked and the
    total uncompressed size is capped before anything is extracted.
    """
    total = 0
    for upload in files:
        name = PurePosixPath(str(upload.name).replace("\\", "/")).name
        if name.lower().endswith(".zip"):
            total = _extract_zip(upload, target, total)
            continue
        if name not in FILES and not name.lower().endswith(".pdf"):
            raise UploadRejected(
                _("%(name)s is not a file of the export (expected %(files)s, PDFs or a zip).")
                % {"name": name, "files": ", ".join(FILES)}
            )
        total += upload.size
        if total > MAX_UPLOAD_BYTES:
            raise UploadRejected(_("The upload is too large."))
        with (target / _SAFE_NAME.sub("_", name)).open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)


def found_files(directory: Path) -> list[str]:
    """The export files present in ``directory``."""
    return [name for name in FILES if (directory / name).is_file()]


def _extract_zip(upload: Any, target: Path, total: int) -> int:
    try:
        archive = zipfile.ZipFile(upload)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise UploadRejected(
            _("%(name)s is not a valid zip file.") % {"name": upload.name}
        ) from None
    with archive:
        members = [info for info in archive.infolist() if not info.is_dir()]
        if len(members) > MAX_ZIP_MEMBERS:
            raise UploadRejected(_("The zip file holds too many files."))
        paths = []
        for info in members:
            path = _safe_member_path(info.filename)
            if path is None:
                raise UploadRejected(
                    _("The zip file holds a file with an unsafe name: %(name)s")
                    % {"name": info.filename}
                )
            total += info.file_size
            paths.append(path)
        if total > MAX_UPLOAD_BYTES:
            raise UploadRejected(_("The upload is too large."))
        # The export may sit in one top folder of the zip: strip it.
        tops = {p.parts[0] for p in paths}
        strip = len(tops) == 1 and all(len(p.parts) > 1 for p in paths)
        for info, path in zip(members, paths, strict=True):
            relative = PurePosixPath(*path.parts[1:]) if strip else path
            destination = target.joinpath(*relative.parts)
            destination.parent.mkdir(parents=True, exist_ok=True)
            try:
                with archive.open(info) as source, destination.open("wb") as out:
                    shutil.copyfileobj(source, out)
            except (zipfile.BadZipFile, OSError, NotImplementedError, RuntimeError):
                raise UploadRejected(
                    _("%(name)s could not be read from the zip file.") % {"name": info.filename}
                ) from None
    return total
