"""Bulk writing for the demo generator: a table's columns (demo.rows) in a fixed order, COPY on PostgreSQL and
one executemany elsewhere; on PostgreSQL the big tables' secondary indexes are dropped for the load and built once
after it (a btree built from sorted input costs a fraction of millions of random insertions)."""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import Connection, Engine, Table, text

from db.models import AuditLog, Charge, Payment, Reading
from demo import rows as demo_rows
from demo.rows import Table as Rows

# The tables that grow with every month of every account: loaded without their secondary indexes.
BULK_TABLES: tuple[Table, ...] = tuple(m.__table__ for m in (Charge, Payment, Reading, AuditLog))  # type: ignore[misc]


def write(connection: Connection, table: Table, columns: Sequence[str], rows: Rows | str) -> None:
    """Insert `rows` (a table of columns in the order of `columns`, demo.rows, or on PostgreSQL their COPY text):
    COPY on PostgreSQL, one executemany elsewhere."""
    if not rows:
        return
    if isinstance(rows, str):
        _copy(connection, table, columns, rows)
        return
    assert tuple(rows) == tuple(columns), f"{table.name}: columns {tuple(rows)} != {tuple(columns)}"
    if not demo_rows.rows_count(rows):
        return
    if connection.dialect.name != "postgresql":
        # executemany with the columns' own bind conversions done once per column, not per row and value.
        convert = [table.c[name].type._cached_bind_processor(connection.dialect) for name in columns]
        statement = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
        connection.exec_driver_sql(
            statement,
            [
                tuple(
                    value if process is None or value is None else process(value)
                    for value, process in zip(row, convert)
                )
                for row in demo_rows.python_rows(rows)
            ],
        )
        return
    _copy(connection, table, columns, demo_rows.copy_text(rows))


def _copy(connection: Connection, table: Table, columns: Sequence[str], body: str) -> None:
    """COPY's text format; the generator's texts hold no tab, newline or backslash."""
    dbapi_connection = connection.connection.dbapi_connection
    assert dbapi_connection is not None  # the connection is open: it has just been used
    cursor = dbapi_connection.cursor()
    cursor.copy_expert(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN", io.StringIO(body))
    cursor.close()


def drop_indexes(engine: Engine) -> None:
    """Before a bulk load (PostgreSQL): drop the big tables' secondary indexes, unique constraints and foreign keys
    (a key checked row by row costs more than the row), keeping their exact definitions in the table's comment,
    committed with the drop, so whichever run finishes the load builds them again (`build_indexes`), checking
    every row then. Primary keys stay."""
    if engine.dialect.name != "postgresql":
        return
    with engine.begin() as connection:
        for table in BULK_TABLES:
            if connection.scalar(text(_SAVED), {"t": table.name}):
                continue  # a stopped load's: already dropped
            indexes = connection.execute(text(_INDEXES), {"t": table.name}).all()
            keys = connection.execute(text(_CONSTRAINTS), {"t": table.name}).all()
            saved = {
                "indexes": [definition for _name, definition in indexes],
                "constraints": [[name, definition] for name, definition in keys],
            }
            connection.execute(text(f"COMMENT ON TABLE {table.name} IS {_literal(json.dumps(saved))}"))
            for name, _definition in reversed(keys):  # the foreign keys first
                connection.execute(text(f'ALTER TABLE {table.name} DROP CONSTRAINT "{name}"'))
            for name, _definition in indexes:
                connection.execute(text(f'DROP INDEX "{name}"'))


def build_indexes(engine: Engine, cluster: dict[str, str] | None = None) -> None:
    """Build again what `drop_indexes` dropped (whatever run dropped it). `cluster`: table -> index to order the
    table by first (CLUSTER), so the other indexes are built once, on the ordered table. Two tables at a time, each
    on a connection of its own: a CLUSTER sorts on one core while the other table's work uses the other."""
    if engine.dialect.name != "postgresql":
        return
    cluster = cluster or {}
    with ThreadPoolExecutor(max_workers=2) as pool:
        builds = [pool.submit(_build_table, engine, table, cluster.get(table.name)) for table in BULK_TABLES]
        for build in builds:
            build.result()


def _build_table(engine: Engine, table: Table, cluster: str | None) -> None:
    """One table's indexes and keys, in one transaction (a stopped build leaves the table as the load left it)."""
    with engine.connect() as connection:
        connection.execute(text("SET maintenance_work_mem = '512MB'"))
        raw = connection.scalar(text(_SAVED), {"t": table.name})
        if not raw:
            return
        saved = json.loads(raw)
        first = [d for d in saved["indexes"] if f" {cluster} ON " in d]
        for definition in first:
            connection.execute(text(definition))
            connection.execute(text(f"CLUSTER {table.name} USING {cluster}"))
        for definition in saved["indexes"]:
            if definition not in first:
                connection.execute(text(definition))
        for name, definition in saved["constraints"]:  # unique ones first: a key may need one
            connection.execute(text(f'ALTER TABLE {table.name} ADD CONSTRAINT "{name}" {definition}'))
        connection.execute(text(f"COMMENT ON TABLE {table.name} IS NULL"))
        connection.commit()


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


_SAVED = "SELECT obj_description(CAST(:t AS regclass), 'pg_class')"
_INDEXES = """
SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
WHERE i.indrelid = CAST(:t AS regclass) AND NOT i.indisprimary
  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conrelid = i.indrelid AND k.conindid = i.indexrelid)
ORDER BY c.relname
"""
_CONSTRAINTS = """
SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
WHERE conrelid = CAST(:t AS regclass) AND contype IN ('u', 'f') ORDER BY contype DESC, conname
"""
