"""Imports of the utility's register: accounts (address, residents, services, open or closed), hot-water meters
(installed and removed) and tariffs and norms per period.

The register is the billing system's truth, exported whole or in part: a row for a key that is not stored yet is
added, a row that differs from the stored state is a change (each one audited: an address moved, residents changed,
a meter installed or removed, an account closed), and a row identical to the stored state is "unchanged". So the
same file twice adds and changes nothing. Closing an account keeps its charges, payments and readings.

Like the ledger imports (core.imports, whose decoding and parsing helpers this module uses): `preview` runs the
whole import in a transaction that is rolled back, `commit` runs the same code and commits it with an ImportBatch
row and an audit row, and every rejected row carries its line number and the reason. The file is read by
core.register_parsing, and what each kind changes is core.register_changes (meters: core.register_meters).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from core import audit, window_figures
from core.errors import DomainError
from core.i18n import t
from core.import_batches import FileImport, audit_commit, open_batch, rolled_back
from core.register_changes import _accounts, _Outcome, _tariffs
from core.register_meters import _meters
from core.register_parsing import read_table
from db.models import ImportBatch


@dataclass(frozen=True, kw_only=True)
class RegisterResult(FileImport):
    """to_add: new accounts, meters or tariff rows."""

    changes: list[dict[str, Any]]  # {"line", "key", "fields": {column: (stored, new)}}
    unchanged: list[int]  # line numbers identical to the stored state

    @property
    def rows_changed(self) -> int:
        return len(self.changes)


def describe_change(fields: dict[str, tuple[object, object]], lang: str = "uk") -> str:
    """`street: вул. А → вул. Б; residents: 2 → 3; heating: так → ні`, the column names as in the file (the same in
    every language), yes and no in lang."""

    def shown(value: object) -> str:
        if isinstance(value, bool):
            return t("value.yes", lang) if value else t("value.no", lang)
        return "—" if value is None or value == "" else str(value)

    return "; ".join(f"{name}: {shown(old)} → {shown(new)}" for name, (old, new) in fields.items())


_RUNNERS = {"accounts": _accounts, "meters": _meters, "tariffs": _tariffs}


def _run(session: Session, kind: str, filename: str, data: bytes, actor: str, commit: bool) -> RegisterResult:
    table = read_table(kind, data)
    opened = open_batch(session, kind, filename, data, actor)
    batch, now = opened.batch, opened.now
    out = _Outcome(batch.id, actor, now, list(table.rejected))
    _RUNNERS[kind](session, table, actor, now, out)
    session.flush()
    if out.changes or out.to_add:  # who is metered, or takes hot water, may have changed
        window_figures.forget(session)
    audit.record_many(session, out.audits)
    out.rejected.sort(key=lambda r: r.line)
    total = len(table.rows) + len(table.rejected)
    batch.rows_total, batch.rows_added, batch.rows_changed = total, len(out.to_add), len(out.changes)
    batch.rows_duplicate, batch.rows_rejected = len(out.unchanged), len(out.rejected)
    if commit:
        audit_commit(session, opened, actor, filename, changed=batch.rows_changed, unchanged=batch.rows_duplicate)
    return RegisterResult.of(
        opened,
        (table.encoding, table.delimiter),
        total,
        commit,
        out.to_add,
        out.rejected,
        changes=out.changes,
        unchanged=sorted(out.unchanged),
    )


def preview(
    sessions: sessionmaker[Session], kind: str, filename: str, data: bytes, actor: str = "preview"
) -> RegisterResult:
    """Everything the import would add and change, computed inside a transaction that is rolled back."""
    return rolled_back(sessions, lambda session: _run(session, kind, filename, data, actor, commit=False))


COMMIT_ATTEMPTS = 5  # each failed attempt means another commit went through first


def commit(sessions: sessionmaker[Session], kind: str, filename: str, data: bytes, actor: str) -> RegisterResult:
    """Import the file in one transaction, with its ImportBatch row, an audit row per change and one for the file.

    Two commits touching the same keys at the same moment: the rows a commit changes are locked, and a new key
    added by both is refused by its unique index (accounts' numbers, meters' serials, a service's month) for the
    later one, which is rolled back whole and run again against what the first one stored (then "unchanged")."""
    for attempt in range(1, COMMIT_ATTEMPTS + 1):
        try:
            with sessions.begin() as session:
                return _run(session, kind, filename, data, actor, commit=True)
        except (IntegrityError, OperationalError) as exc:
            text = str(exc).lower()
            if isinstance(exc, OperationalError) and "lock" not in text and "serializ" not in text:
                raise
            if attempt == COMMIT_ATTEMPTS:
                raise DomainError("register.concurrent") from exc
    raise AssertionError("unreachable")


def changed_rows(sessions: sessionmaker[Session], batch_ids: list[int]) -> dict[int, int]:
    """How many rows each import batch changed (register imports; 0 for the ledger imports)."""
    if not batch_ids:
        return {}
    with sessions() as session:
        return dict(
            session.execute(select(ImportBatch.id, ImportBatch.rows_changed).where(ImportBatch.id.in_(batch_ids)))
            .tuples()
            .all()
        )
