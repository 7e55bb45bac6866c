"""The five files of the billing export, one per table: how a row becomes a record
(``_parse_<file>``) and how a batch of records is written (``_<file>``).

A mixin of ``BillingImport`` (``contracts.billing.run``), which provides the shared steps
declared below for the type checker.
"""

from __future__ import annotations

import datetime
import hashlib
import os
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.validators import validate_email
from django.db import connection, models
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts.billing.bulk import decreasing_readings, fetch_readings
from contracts.billing.parse import (
    NO_EXTRA,
    SAFE_NAME,
    ImportReport,
    Invalid,
    Record,
    Row,
    format_m3,
)
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
    normalize_key,
)

KEY_HASH_WORKERS = min(8, os.cpu_count() or 1)
# The export's key loses to a newer one given by staff: the stored hash is kept.
KEEP = "keep"


class FileRules:
    if TYPE_CHECKING:
        directory: Path
        dry_run: bool
        report: ImportReport
        payer_ids: dict[str, int]
        contract_ids: dict[str, int]
        touched_contracts: set[int]
        export_date: datetime.datetime | None
        _payer_refs: dict[int, str] | None

        def _error(self, file: str, line: int, column: str, reason: str) -> None: ...
        def _read(self, name: str, path: Path) -> Iterator[tuple[int, Row]]: ...
        def _wait_for_writes(self) -> None: ...
        def _unknown(self, column: str, kind: str, value: str) -> Invalid: ...
        def _contract_id(self, row: Row) -> int: ...
        def _invoices_map(self) -> dict[str, tuple[int | None, int]]: ...
        def _resolve_new_invoice_ids(self) -> None: ...
        def _insert(
            self, model: type[models.Model], rows: list[dict[str, Any]], *, background: bool = False
        ) -> None: ...
        def _upsert(
            self,
            name: str,
            model: type[models.Model],
            key_field: str,
            records: list[Record],
            compare: list[str],
            prepare: Callable[[Record, dict[str, Any] | None], dict[str, Any] | None] | None = None,
            known: dict[str, tuple[int | None, int]] | None = None,
        ) -> list[dict[str, Any]]: ...
        def _remember_ids(
            self,
            model: type[models.Model],
            key_field: str,
            created: list[dict[str, Any]],
            into: dict[str, int],
        ) -> None: ...

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

    # -- contracts --

    def _parse_contracts(self, line: int, row: Row) -> Record:
        number = row.contract_number()
        payer_ref = row.text("payer_ref", required=True, max_length=32)
        payer_id = self.payer_ids.get(payer_ref)
        if payer_id is None and payer_ref:
            row.fail(self._unknown("payer_ref", "payer", payer_ref))
        start, end = row.date("start_date"), row.date("end_date")
        if start and end and end < start:
            row.fail(Invalid("end_date", _("the end date is before the start date")))
        paperless = row.text("paperless").lower()
        if paperless not in ("", "0", "1"):
            row.fail(
                Invalid(
                    "paperless",
                    _("invalid value %(value)s (expected 0 or 1)") % {"value": paperless},
                )
            )
        values: dict[str, Any] = {}
        # Only when the export has the column: an older export keeps what is stored.
        if "remote_reading" in row.positions:
            remote = row.text("remote_reading").lower()
            if remote not in ("", "0", "1"):
                row.fail(
                    Invalid(
                        "remote_reading",
                        _("invalid value %(value)s (expected 0 or 1)") % {"value": remote},
                    )
                )
            values["remote_reading"] = remote == "1"
        key = normalize_key(row.text("key", max_length=64))
        if not key and number and number not in self.contract_ids:
            row.fail(Invalid("key", _("a key is required for a new contract")))
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
                **values,
            },
            {"key": key},
        )

    def _contracts(self, name: str, records: list[Record]) -> None:
        # A new contract gets its key hashed; an existing one keeps its hash unless the
        # export brings a different key (one Argon2 check). Argon2 runs in C without the
        # GIL: the batch's keys are hashed on every CPU at once. A key staff gave in the
        # portal after the export was made is kept (README, "Importing billing data").
        self._wait_for_writes()
        stored = {
            number: (key_hash, payer_id, staff_at)
            for number, key_hash, payer_id, staff_at in Contract.objects.filter(
                number__in=[r.key for r in records]
            ).values_list("number", "key_hash", "payer_id", "key_changed_by_staff_at")
        }

        def new_hash(record: Record) -> str | None:
            key = record.extra["key"]
            if record.key not in stored:
                return hash_key(key)
            old_hash = stored[record.key][0]
            if key and not (old_hash and check_password(key, old_hash)):
                return KEEP if self._staff_key_is_newer(stored[record.key][2]) else hash_key(key)
            return None

        if sum(1 for r in records if r.extra["key"]) > 1:
            with ThreadPoolExecutor(KEY_HASH_WORKERS, thread_name_prefix="key-hash") as pool:
                hashes = list(pool.map(new_hash, records))
        else:
            hashes = [new_hash(r) for r in records]
        for record, key_hash in zip(records, hashes, strict=True):
            old = stored.get(record.key)
            if key_hash is KEEP and old is not None and old[2] is not None:
                self.report.note_change(
                    _(
                        "contracts.csv:%(line)s: %(number)s: key of the export ignored, staff "
                        "gave a new key on %(date)s, after the export"
                    )
                    % {
                        "line": record.line,
                        "number": record.key,
                        "date": f"{timezone.localtime(old[2]):%d/%m/%Y %H:%M}",
                    }
                )
            elif key_hash is not None:
                record.values["key_hash"] = key_hash
                if old is not None:
                    self.report.note_change(
                        _("contracts.csv:%(line)s: %(number)s: key replaced by the export's")
                        % {"line": record.line, "number": record.key}
                    )
            if old is not None and old[1] != record.values["payer_id"]:
                self.report.note_change(
                    _("contracts.csv:%(line)s: %(number)s: payer %(old)s → %(new)s")
                    % {
                        "line": record.line,
                        "number": record.key,
                        "old": self._payer_ref(old[1]),
                        "new": self._payer_ref(record.values["payer_id"]),
                    }
                )

        compare = [*records[0].values.keys() - {"key_hash"}, "key_hash"]
        created = self._upsert(name, Contract, "number", records, compare)
        self._remember_ids(Contract, "number", created, self.contract_ids)

    def _staff_key_is_newer(self, staff_at: datetime.datetime | None) -> bool:
        if staff_at is None:
            return False
        return self.export_date is None or self.export_date < staff_at

    def _payer_ref(self, payer_id: int) -> str:
        if self._payer_refs is None:
            self._payer_refs = {pk: ref for ref, pk in self.payer_ids.items()}
        return self._payer_refs.get(payer_id, str(payer_id))

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
        rows = fetch_readings([r.key for r in records])
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
            rows = decreasing_readings(touched[start : start + chunk])
            for number, date, index, previous_date, previous_index in rows:
                reason = _(
                    "index %(index)s m³ is lower than the previous reading "
                    "(%(previous)s m³ on %(date)s)"
                ) % {
                    "index": format_m3(index),
                    "previous": format_m3(previous_index),
                    "date": f"{previous_date:%d/%m/%Y}",
                }
                pairs.append(((number, date), (number, previous_date), reason))
        if not pairs:
            return
        wanted = {key for pair in pairs for key in pair[:2]}
        lines: dict[tuple[str, datetime.date], int] = {}
        for line, row in self._read("readings.csv", self.directory / "readings.csv"):
            key = (row.contract_number(), row.date("date", required=True))
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
            row.fail(Invalid("period_end", _("the end of the period is before its start")))
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
        extra: Mapping[str, Any] = NO_EXTRA
        if pdf:
            source = self._pdf_source(pdf)
        if pdf and not row.errors:
            digest = hashlib.sha256(source.read_bytes()).hexdigest()[:16]
            safe = SAFE_NAME.sub("_", number)
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
