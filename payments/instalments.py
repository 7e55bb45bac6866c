"""``instalments.csv`` of the billing export: the direct debits planned on each contract.

Columns (``;``-separated, UTF-8, header line): ``contract_number``, ``due_date``
(``YYYY-MM-DD`` or ``DD/MM/YYYY``), ``amount`` (euros, ``42.00`` or ``42,00``), ``state``
(``planned``, ``debited`` or ``rejected``). The file is the whole schedule of the
contracts it names: their instalments are replaced by the file's, the others' kept.

Read by the billing import (``contracts.signals.billing_import``) inside its transaction:
one invalid row and nothing of the whole export is written.
"""

from __future__ import annotations

import csv
import datetime
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from contracts.models import Contract, normalize_contract_number
from payments.models import Instalment, InstalmentState

FILE = "instalments.csv"
REQUIRED = ("contract_number", "due_date", "amount", "state")
MAX_AMOUNT = Decimal("9999999999.99")
_AMOUNT = re.compile(r"-?[0-9]{1,10}([.,][0-9]{1,2})?")

ErrorSink = Callable[[str, int, str, str], None]


def parse_date(raw: str) -> datetime.date:
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.datetime.strptime(raw, pattern).date()
        except ValueError:
            continue
    raise ValueError(raw)


def parse_amount(raw: str) -> Decimal:
    if not _AMOUNT.fullmatch(raw):
        raise ValueError(raw)
    try:
        value = Decimal(raw.replace(",", "."))
    except InvalidOperation:
        raise ValueError(raw) from None
    if value < 0 or value > MAX_AMOUNT:
        raise ValueError(raw)
    return value


def import_instalments(path: Path, error: ErrorSink, *, dry_run: bool = False) -> int:
    """Replace the schedules of the contracts named in ``path``; rows written (0 on error).

    Call inside a transaction: the caller rolls back when ``error`` was called.
    """
    states = {choice.value for choice in InstalmentState}
    numbers = dict(Contract.objects.values_list("number", "id"))
    rows: list[Instalment] = []
    seen: dict[tuple[int, datetime.date], int] = {}
    failed = False

    def fail(line: int, column: str, reason: str) -> None:
        nonlocal failed
        failed = True
        error(FILE, line, column, reason)

    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle, delimiter=";")
            header = [c.strip().lower() for c in next(reader, [])]
            missing = [c for c in REQUIRED if c not in header]
            for column in missing:
                fail(1, column, _("required column is missing"))
            if missing:
                return 0
            at = {c: header.index(c) for c in REQUIRED}
            for cells in reader:
                line = reader.line_num
                if not any(c.strip() for c in cells):
                    continue
                row = _parse(cells, at, line, numbers, states, fail)
                if row is None:
                    continue
                key = (row.contract_id, row.due_date)
                if key in seen:
                    fail(
                        line,
                        "due_date",
                        _("same contract and date as line %(line)s") % {"line": seen[key]},
                    )
                    continue
                seen[key] = line
                rows.append(row)
    except UnicodeDecodeError:
        fail(0, "-", _("the file is not valid UTF-8"))
    except csv.Error as exc:
        fail(0, "-", _("malformed CSV: %(error)s") % {"error": exc})
    if failed or dry_run:
        return 0
    contract_ids = {row.contract_id for row in rows}
    Instalment.objects.filter(contract_id__in=contract_ids).delete()
    Instalment.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def _parse(
    cells: list[str],
    at: dict[str, int],
    line: int,
    numbers: dict[str, int],
    states: set[str],
    fail: Callable[[int, str, str], None],
) -> Instalment | None:
    def cell(name: str) -> str:
        index = at[name]
        return cells[index].strip() if index < len(cells) else ""

    values: dict[str, Any] = {}
    ok = True
    raw_number = cell("contract_number")
    try:
        values["contract_id"] = numbers[normalize_contract_number(raw_number)]
    except ValueError:
        fail(line, "contract_number", _("not a contract number"))
        ok = False
    except KeyError:
        fail(line, "contract_number", _("unknown contract"))
        ok = False
    try:
        values["due_date"] = parse_date(cell("due_date"))
    except ValueError:
        fail(line, "due_date", _("expected a date like 2026-03-10 or 10/03/2026"))
        ok = False
    try:
        values["amount"] = parse_amount(cell("amount"))
    except ValueError:
        fail(line, "amount", _("expected an amount in euros like 42.00"))
        ok = False
    state = cell("state").lower()
    if state not in states:
        fail(line, "state", _("expected planned, debited or rejected"))
        ok = False
    values["state"] = state
    return Instalment(**values) if ok else None


def on_billing_import(
    sender: object, directory: Path, dry_run: bool, error: ErrorSink, **kwargs: object
) -> None:
    path = Path(directory) / FILE
    if path.is_file():
        import_instalments(path, error, dry_run=dry_run)


def connect() -> None:
    from contracts.signals import OTHER_FILES, billing_import

    billing_import.connect(on_billing_import, dispatch_uid="payments-instalments")
    if FILE not in OTHER_FILES:
        OTHER_FILES.append(FILE)
