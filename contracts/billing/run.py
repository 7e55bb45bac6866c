"""The run of a billing import: one transaction, each file read in batches, each batch
upserted (new rows inserted, changed rows updated, unchanged rows counted), then the
reading order checked. See ``contracts.billing`` for the rules."""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from django.db import connection, models, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from audit import services as audit
from audit.models import AuditKind
from contracts import fragments, signals
from contracts.billing.bulk import (
    copy_rows,
    copy_statement,
    fetch_by_ids,
    fetch_existing,
    insert_rows,
)
from contracts.billing.parse import (
    FileStats,
    ImportReport,
    Invalid,
    Record,
    Row,
    RowError,
    read_rows,
)
from contracts.billing.tables import FileRules
from contracts.models import (
    Contract,
    ImportRun,
    Invoice,
    Payer,
    Payment,
    normalize_contract_number,
)

BATCH_SIZE = 5000
PROGRESS_EVERY_SECONDS = 2.0
ANALYZE_EVERY_ROWS = 100_000

Progress = Callable[[str, int, float], None]


class BillingImport(FileRules):
    """One import of one export folder; ``run()`` once. The driver and the shared steps
    (reading, upserting, the writer thread) are here; what each file's rows mean is in
    ``FileRules``."""

    def __init__(
        self,
        directory: Path | str,
        *,
        dry_run: bool = False,
        progress: Progress | None = None,
        batch_size: int = BATCH_SIZE,
        export_date: datetime.datetime | None = None,
    ) -> None:
        self.directory = Path(directory).resolve()
        # When the billing system made the export: a key staff gave later is kept.
        self.export_date = export_date
        self._payer_refs: dict[int, str] | None = None
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
        return read_rows(name, path, self._error)

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
                row.fail(exc)
            if row.errors:
                for error in row.errors:  # every error of the row, one per column
                    self._error(name, line, error.column, error.reason)
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
            sql, attnames = copy_statement(model, rows)
            connection.ensure_connection()
            self._pending = self._writer.submit(
                copy_rows, connection.connection, sql, attnames, rows
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
            found = [pk for pk in ids if pk is not None]
            if len(found) < len(ids):  # created earlier in this import, id not looked up yet
                rows = fetch_existing(model, key_field, keys, compare)
            else:
                rows = fetch_by_ids(model, found, [key_field, *compare]) if found else []
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
            model._default_manager.bulk_update(to_update, sorted(changed_fields), batch_size=500)
            stats.updated += len(to_update)
            if known is not None:  # an invoice may have moved to another contract
                for obj in to_update:
                    assert isinstance(obj, Invoice)  # only the invoices come with ``known``
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

    # -- shared by the files --

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
                model._default_manager.filter(**{f"{key_field}__in": keys}).values_list(
                    key_field, "id"
                )
            )

    def _contract_id(self, row: Row) -> int:
        raw = row.raw("contract_number")
        contract_id = self._ids_by_raw_number.get(raw)
        if contract_id is not None:  # the same number as typed before: skip normalising
            return contract_id
        number = row.contract_number()
        if not number:  # invalid: already noted on the row
            return 0
        contract_id = self.contract_ids.get(number)
        if contract_id is None:
            return row.fail(self._unknown("contract_number", "contract", number), 0)
        if len(self._ids_by_raw_number) < 2_000_000:
            self._ids_by_raw_number[raw] = contract_id
        return contract_id


def import_billing(
    directory: Path | str,
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
    export_date: datetime.datetime | None = None,
    user: Any = None,
    source: str = ImportRun.Source.COMMAND,
    request: Any = None,
) -> ImportReport:
    """Import the export in ``directory``; see the module docstring for the rules.

    Every run, valid or not, dry or not, goes into the import history and the audit trail.
    """
    report = BillingImport(
        directory, dry_run=dry_run, progress=progress, export_date=export_date
    ).run()
    record_run(report, user=user, source=source, request=request)
    return report


def record_run(report: ImportReport, *, user: Any, source: str, request: Any = None) -> None:
    lines = [str(error) for error in report.errors[:200]] + report.summary_lines()
    ImportRun.objects.create(
        user=user if getattr(user, "pk", None) else None,
        source=source,
        dry_run=report.dry_run,
        ok=report.ok,
        error_count=report.error_count,
        rows=report.rows,
        created=report.created,
        updated=report.updated,
        report="\n".join(lines),
    )
    if not report.ok:
        outcome = _("refused, %(count)s errors") % {"count": report.error_count}
    elif report.dry_run:
        outcome = _("dry run")
    else:
        outcome = _("imported")
    audit.record(
        AuditKind.BILLING_IMPORT,
        request,
        user,
        _("%(outcome)s: %(rows)s rows, new %(created)s, changed %(updated)s")
        % {
            "outcome": outcome,
            "rows": report.rows,
            "created": report.created,
            "updated": report.updated,
        },
    )
