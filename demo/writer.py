"""Rows of one table written in one statement, without the ORM: COPY on PostgreSQL,
multi-row INSERT elsewhere. For synthetic data built at scale (``generate_dataset``)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import connection


class TableWriter:
    """Rows of one table, to the database in one statement: COPY on PostgreSQL."""

    def __init__(self, table: str, columns: Sequence[str]) -> None:
        self.table = table
        self.columns = list(columns)
        self.rows: list[Sequence[Any]] = []

    def add(self, row: Sequence[Any]) -> None:
        self.rows.append(row)

    def flush(self) -> int:
        rows, self.rows = self.rows, []
        if not rows:
            return 0
        qn = connection.ops.quote_name
        columns = ", ".join(qn(c) for c in self.columns)
        if connection.vendor == "postgresql":
            buffer = io.StringIO()
            for row in rows:
                buffer.write("\t".join(_copy_text(v) for v in row))
                buffer.write("\n")
            with connection.cursor() as cursor:
                raw = cursor.cursor
                with raw.copy(f"COPY {qn(self.table)} ({columns}) FROM STDIN") as copy:
                    copy.write(buffer.getvalue())
        else:
            placeholders = "(" + ", ".join(["%s"] * len(self.columns)) + ")"
            step = max(1, 900 // len(self.columns))  # SQLite's variable limit
            with connection.cursor() as cursor:
                for start in range(0, len(rows), step):
                    chunk = rows[start : start + step]
                    values = ", ".join([placeholders] * len(chunk))
                    # Table and columns come from the models, values are parameters.
                    sql = f"INSERT INTO {qn(self.table)} ({columns}) VALUES {values}"  # noqa: S608
                    cursor.execute(sql, [_db_value(v) for row in chunk for v in row])
        return len(rows)


def _copy_text(value: Any) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    # Generated text never holds tabs, newlines or backslashes.
    return str(value)


def _db_value(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value
