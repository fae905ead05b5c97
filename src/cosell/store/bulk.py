"""Bulk statements at driver speed.

On PostgreSQL plain INSERTs of many rows go through COPY (`_copy`).

SQLAlchemy builds a parameter dictionary per row and runs type processing in
Python for each; for the thousands of rows of an import that is most of the
time spent. Here a statement is compiled once for the connection's dialect and
the rows go to the driver's `executemany` as plain tuples, with only the type
conversions the driver cannot do itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Insert, Table, func, select, text
from sqlalchemy.sql.compiler import Compiled
from sqlalchemy.sql.elements import ClauseElement


def executemany(
    conn: Connection,
    stmt: ClauseElement,
    rows: Sequence[Mapping[str, Any]],
    table: Table,
) -> int:
    """Run `stmt` once per row; bind names are the row keys (a `b_` prefix names a column
    of `table` used in the WHERE clause). Returns the number of rows the statement
    changed, summed over all runs."""
    if not rows:
        return 0
    if conn.dialect.name == "postgresql" and _plain_insert(stmt, table):
        return _copy(conn, table, rows)
    keys = list(rows[0])
    compiled: Compiled = stmt.compile(dialect=conn.dialect, column_keys=keys)
    names: Sequence[str] = compiled.positiontup or []  # type: ignore[attr-defined]
    processors = _processors(conn, table, keys)
    sql = str(compiled)
    if names:
        take = itemgetter(*names) if len(names) > 1 else lambda row: (row[names[0]],)
        converted = [(i, processors[n]) for i, n in enumerate(names) if n in processors]
        params: list[Any] = [take(row) for row in rows]
        if converted:
            rows_out = []
            for values in params:
                items = list(values)
                for i, convert in converted:
                    if items[i] is not None:
                        items[i] = convert(items[i])
                rows_out.append(tuple(items))
            params = rows_out
    else:
        params = [
            {
                k: (v if v is None or k not in processors else processors[k](v))
                for k, v in row.items()
            }
            for row in rows
        ]
    return int(conn.exec_driver_sql(sql, params).rowcount)


def _plain_insert(stmt: ClauseElement, table: Table) -> bool:
    """An `insert(table)` of the rows' values alone (no RETURNING, no ON CONFLICT)."""
    return (
        isinstance(stmt, Insert)
        and stmt.table is table
        and not stmt._returning
        and stmt._values is None
        and stmt.select is None
        and stmt._post_values_clause is None
        and not stmt._multi_values
    )


def _copy(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> int:
    """PostgreSQL: the rows through one `COPY … FROM STDIN` instead of one INSERT each
    (a big import writes tens of thousands of rows per chunk: an order of magnitude
    faster). Same transaction, same constraints; returns the rows written."""
    keys = list(rows[0])
    processors = _processors(conn, table, keys)
    quote = conn.dialect.identifier_preparer.quote
    columns = ", ".join(quote(k) for k in keys)
    sql = f"COPY {conn.dialect.identifier_preparer.format_table(table)} ({columns}) FROM STDIN"
    take = itemgetter(*keys) if len(keys) > 1 else lambda row: (row[keys[0]],)
    converted = [(i, processors[k]) for i, k in enumerate(keys) if k in processors]
    cursor: Any = conn.connection.cursor()
    try:
        with cursor.copy(sql) as copy:
            for row in rows:
                values = take(row)
                if converted:
                    items = list(values)
                    for i, convert in converted:
                        if items[i] is not None:
                            items[i] = convert(items[i])
                    values = items
                copy.write_row(values)
    finally:
        cursor.close()
    return len(rows)


def _processors(
    conn: Connection, table: Table, keys: Sequence[str]
) -> dict[str, Callable[[Any], Any]]:
    out: dict[str, Callable[[Any], Any]] = {}
    for key in keys:
        column = table.c.get(key.removeprefix("b_"))
        if column is None:
            continue
        proc = column.type.bind_processor(conn.dialect)
        if proc is not None:
            out[key] = proc
    return out


def allocate_ids(conn: Connection, table: Table, count: int) -> list[int]:
    """Primary keys for `count` new rows of `table` (integer key `pk` or `id`).

    SQLite: the next numbers after the largest, safe because writes hold the
    database lock (`BEGIN IMMEDIATE`). PostgreSQL: values of the column's sequence.
    """
    pk = next(iter(table.primary_key.columns))
    if conn.dialect.name == "postgresql":
        seq = f"{table.name}_{pk.name}_seq"
        rows = conn.execute(
            text("SELECT nextval(:seq) FROM generate_series(1, :n)"), {"seq": seq, "n": count}
        )
        return [int(r[0]) for r in rows]
    start = int(conn.execute(select(func.coalesce(func.max(pk), 0))).scalar_one())
    return list(range(start + 1, start + 1 + count))


def fetch_all(conn: Connection, stmt: ClauseElement) -> list[Any]:
    """The rows of a SELECT as the driver returns them, without result processing.

    For reads of many rows whose columns need no conversion (or are converted by
    the caller): SQLAlchemy's per-row processing would cost more than the query.
    """
    compiled: Any = stmt.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    values = compiled.construct_params()
    for name, value in values.items():
        if value is None:
            continue
        # an expanded IN list names its values `<bind>_1`, `<bind>_2` …
        bind = compiled.binds.get(name)
        if bind is None:
            bind = compiled.binds.get(name.rsplit("_", 1)[0])
        proc = bind.type.bind_processor(conn.dialect) if bind is not None else None
        if proc is not None:
            values[name] = proc(value)
    params: Any = tuple(values[n] for n in compiled.positiontup) if compiled.positional else values
    cursor = conn.connection.cursor()  # the driver's own: plain tuples, no Row objects
    try:
        cursor.execute(str(compiled), params)
        return list(cursor.fetchall())
    finally:
        cursor.close()
