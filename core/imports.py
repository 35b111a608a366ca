"""Imports of the three files the utility receives: the bank payment registry, the billing system's charges and
the water utility's meter readings.

The file is read by core.import_parsing (encoding, delimiter, header, truncation, trailer), its rows by
core.import_bank, core.import_charges and core.import_readings (checks they share: core.import_rows); `preview` runs the
whole import inside a transaction and rolls it back, `commit` runs the same code and commits it with an
ImportBatch row and an audit row. A row whose key is already stored with the same content is a duplicate, so
importing the same file twice adds nothing; with different content it is a conflict (core.import_conflicts),
listed and stored for staff, never skipped silently. Every rejected row carries its line number and the reason.
The columns each file may have, and its sample under data/samples/, are what core.import_formats tells the
imports page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core import import_conflicts
from core.import_bank import _bank
from core.import_batches import FileImport, audit_commit, open_batch, rolled_back
from core.import_charges import _charges
from core.import_conflicts import Conflict
from core.import_parsing import Trailer, read_table
from core.import_readings import _readings
from core.import_rows import RowOutcome
from db.models import ImportBatch


@dataclass(frozen=True, kw_only=True)
class ImportResult(FileImport):
    duplicates: list[int]  # line numbers skipped as already present with the same content
    conflicts: Sequence[Conflict] = ()  # rows whose key is stored with different content
    file_total: Decimal = Decimal("0")  # the file's total column (amount; readings: m³) over its data lines
    trailer: Trailer | None = None  # the file's control line, already checked against the file

    @property
    def added_total(self) -> Decimal:
        column = {"bank": "amount", "charges": "amount", "readings": "value"}[self.kind]
        return sum((row[column] for row in self.to_add), Decimal("0"))

    def payments_above(self, limit: Decimal) -> list[dict[str, Any]]:
        """A bank registry's payments to add that are larger than `limit`: credited as the bank reports them, but
        listed for the operator first, since one flat's payment that large is more often a column slip (an
        account number read as an amount) than money."""
        if self.kind != "bank":
            return []
        return [row for row in self.to_add if row["amount"] > limit]

    @property
    def truncated(self) -> bool:
        return any(r.key == "import.truncated" for r in self.rejected)


def _run(session: Session, kind: str, filename: str, data: bytes, actor: str, commit: bool) -> ImportResult:
    table = read_table(kind, data)
    opened = open_batch(session, kind, filename, data, actor)
    batch, now = opened.batch, opened.now
    out = RowOutcome(list(table.rejected))
    to_add, duplicates, rejected = out.to_add, out.duplicates, out.rejected
    batch_id = batch.id
    if kind == "bank":
        _bank(session, table, batch_id, now, out)
    elif kind == "charges":
        _charges(session, table, batch_id, now, out)
    else:
        _readings(session, table, batch_id, actor, now, out)
    conflicts = import_conflicts.record(session, out.conflicts, filename=filename, batch_id=batch_id, now=now)
    session.flush()
    rejected.sort(key=lambda r: r.line)
    total = table.data_rows
    batch.rows_total, batch.rows_added = total, len(to_add)
    batch.rows_duplicate, batch.rows_rejected, batch.rows_conflict = len(duplicates), len(rejected), len(conflicts)
    if commit:
        audit_commit(
            session,
            opened,
            actor,
            filename,
            duplicates=batch.rows_duplicate,
            conflicts=batch.rows_conflict,
            file_total=str(table.total),
        )
    return ImportResult.of(
        opened,
        (table.encoding, table.delimiter),
        total,
        commit,
        to_add,
        rejected,
        duplicates=duplicates,
        conflicts=conflicts,
        file_total=table.total,
        trailer=table.trailer,
    )


def preview(
    sessions: sessionmaker[Session], kind: str, filename: str, data: bytes, actor: str = "preview"
) -> ImportResult:
    """Everything the import would do, computed inside a transaction that is rolled back."""
    return rolled_back(sessions, lambda session: _run(session, kind, filename, data, actor, commit=False))


def commit(sessions: sessionmaker[Session], kind: str, filename: str, data: bytes, actor: str) -> ImportResult:
    """Import the file in one transaction, with its ImportBatch row and an audit row."""
    with sessions.begin() as session:
        return _run(session, kind, filename, data, actor, commit=True)


@dataclass(frozen=True)
class BatchView:
    id: int
    kind: str
    filename: str
    created_at: dt.datetime
    created_by: str
    rows_total: int
    rows_added: int
    rows_duplicate: int
    rows_rejected: int
    rows_conflict: int = 0


def recent_batches(sessions: sessionmaker[Session], limit: int = 20) -> list[BatchView]:
    with sessions() as session:
        return [
            BatchView(
                b.id,
                b.kind,
                b.filename,
                b.created_at,
                b.created_by,
                b.rows_total,
                b.rows_added,
                b.rows_duplicate,
                b.rows_rejected,
                b.rows_conflict,
            )
            for b in session.scalars(
                select(ImportBatch).order_by(ImportBatch.created_at.desc(), ImportBatch.id.desc()).limit(limit)
            )
        ]
