"""Bulk writes and reads of the billing import: COPY on PostgreSQL (bulk_create
elsewhere), existing rows fetched by key or id with one array parameter, and the window
query that finds decreasing meter readings."""

from __future__ import annotations

import datetime
import operator
from typing import Any

from django.db import connection, models
from django.db.models import F, Window
from django.db.models.functions import Lag

from contracts.models import MeterReading


def insert_rows(model: type[models.Model], rows: list[dict[str, Any]]) -> None:
    """Insert new rows (dicts of attribute → value, all with the same keys).

    PostgreSQL gets them through COPY (several times faster than INSERT for big exports);
    other databases through bulk_create.
    """
    if not rows:
        return
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create([model(**row) for row in rows], batch_size=1000)
        return
    sql, attnames = copy_statement(model, rows)
    copy_rows(connection.connection, sql, attnames, rows)


def _column(model: type[models.Model], name: str) -> str:
    """The database column of one of ``model``'s concrete fields."""
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field) or field.column is None:
        raise ValueError(f"{model.__name__}.{name} is not stored in a column")
    return field.column


def copy_statement(model: type[models.Model], rows: list[dict[str, Any]]) -> tuple[str, list[str]]:
    attnames = list(rows[0])
    qn = connection.ops.quote_name
    columns = ", ".join(qn(_column(model, name)) for name in attnames)
    return f"COPY {qn(model._meta.db_table)} ({columns}) FROM STDIN", attnames


def copy_rows(
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
        return list(model._default_manager.filter(**{f"{key_field}__in": keys}).values(*names))
    qn = connection.ops.quote_name
    columns = ", ".join(qn(_column(model, name)) for name in names)
    key_column = qn(_column(model, key_field))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns} FROM {qn(model._meta.db_table)} WHERE {key_column} = ANY(%s)",  # noqa: S608 - names from the model
            [keys],
        )
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def decreasing_readings(contract_ids: list[int]) -> list[tuple[Any, ...]]:
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
    partition, order = [F("contract_id")], F("date").asc()
    return list(
        MeterReading.objects.filter(contract_id__in=contract_ids)
        .annotate(
            previous_index=Window(Lag("index"), partition_by=partition, order_by=order),
            previous_date=Window(Lag("date"), partition_by=partition, order_by=order),
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
        return list(model._default_manager.filter(id__in=ids).values(*names))
    qn = connection.ops.quote_name
    columns = ", ".join(qn(_column(model, name)) for name in names)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns} FROM {qn(model._meta.db_table)} WHERE id = ANY(%s)",  # noqa: S608 - names from the model
            [ids],
        )
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def fetch_readings(pairs: list[tuple[int, datetime.date]]) -> list[dict[str, Any]]:
    """Existing readings for these (contract id, date) pairs (a superset on PostgreSQL), as
    dicts of id, contract_id, date, index and kind."""
    contract_ids = {pair[0] for pair in pairs}
    dates = {pair[1] for pair in pairs}
    names = ("id", "contract_id", "date", "index", "kind")
    first, last = min(dates), max(dates)
    if connection.vendor != "postgresql":
        rows = list(
            MeterReading.objects.filter(contract_id__in=contract_ids, date__in=dates).values(*names)
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
                [[pair[0] for pair in pairs], [pair[1] for pair in pairs]],
            )
            rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    return rows
