"""Statements PostgreSQL plans once per connection instead of on every run: PREPARE, then EXECUTE with a generic plan.

psycopg2 sends every statement as text, so the server plans it each time. For the reading submission's two reads
(the meter with its window, and the meter's history) planning cost 4 ms and running 0.6 ms at 80,000 accounts:
at a window's peak the server spent most of a submission planning. A statement made `Prepared` is planned once per
connection; its generic plan then serves every later run (`plan_cache_mode = force_generic_plan`, which
db.engine sets on each connection it prepares on: left to choose, PostgreSQL kept planning these anew).

Elsewhere, on SQLite, on a connection not made by db.engine.make_engine, or with TEPLO_DB_PREPARE=off (PgBouncer in
transaction mode, which hands a later transaction a server connection that never saw the PREPARE), the statement
runs as an ordinary one, with the same rows.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, CursorResult, Select, bindparam, column, text
from sqlalchemy.dialects import postgresql

# Set by db.engine on the connections of an engine that prepares (the DB-API connection's own info, which lasts as
# long as that connection): the names prepared on it so far.
PREPARED_NAMES = "teplo_prepared"

_POSITIONAL = postgresql.dialect(paramstyle="numeric_dollar")  # type: ignore[no-untyped-call]


class Prepared:
    """`statement`, run by `execute` as a prepared statement named `teplo_<name>` where the connection allows it."""

    def __init__(self, name: str, statement: Select[Any]) -> None:
        self.statement = statement
        self.name = f"teplo_{name}"
        compiled = statement.compile(dialect=_POSITIONAL)
        self.positions: list[str] = list(compiled.positiontup or ())
        self.prepare_sql = f"PREPARE {self.name} AS {compiled}"
        self._compiled = compiled
        arguments = ", ".join(f":{position}" for position in self.positions)
        # The EXECUTE as SQLAlchemy text with the statement's parameter and column types, so its rows are the same.
        self._execute = (
            text(f"EXECUTE {self.name}({arguments})")
            .bindparams(*(bindparam(position, type_=compiled.binds[position].type) for position in self.positions))
            .columns(*(column(key, selected.type) for key, selected in statement.selected_columns.items()))
        )

    def parameters(self, values: dict[str, Any]) -> dict[str, Any]:
        """`values` with the statement's own constants (a LIMIT, a status it filters on), by position name."""
        every = self._compiled.construct_params(values)
        return {position: every[position] for position in self.positions}

    def execute(self, connection: Connection, values: dict[str, Any]) -> CursorResult[Any]:
        prepared: set[str] | None = connection.connection.info.get(PREPARED_NAMES)
        if prepared is None:
            return connection.execute(self.statement, values)
        if self.name not in prepared:
            # Not transactional: the statement stays prepared even if this transaction is rolled back. Sent through
            # the DB-API cursor as it is (no parameters, so no driver escaping of a `%` in it).
            with connection.connection.dbapi_connection.cursor() as cursor:  # type: ignore[union-attr]
                cursor.execute(self.prepare_sql)
            prepared.add(self.name)
        return connection.execute(self._execute, self.parameters(values))
