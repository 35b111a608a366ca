"""The batch row every file import writes (the ledger imports and the register's), and the rolled-back transaction
of a preview: the same code for both kinds of import."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Self, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core import audit, clock
from core.import_parsing import Rejected
from db.models import ImportBatch

T = TypeVar("T")


@dataclass(frozen=True)
class OpenedBatch:
    batch: ImportBatch
    sha256: str
    imported_before: dt.datetime | None  # when an identical file of the same kind was imported earlier
    now: dt.datetime


@dataclass(frozen=True)
class FileImport:
    """What every import reports of its file, previewed or committed; each kind adds its own fields
    (core.imports.ImportResult, core.register_import.RegisterResult)."""

    kind: str
    filename: str
    sha256: str
    encoding: str
    delimiter: str
    rows_total: int  # data lines in the file
    to_add: list[dict[str, Any]]  # what is (or would be) added, for the preview
    rejected: list[Rejected]
    committed: bool
    batch_id: int | None  # the ImportBatch row, once committed
    imported_before: dt.datetime | None  # when an identical file was committed earlier

    @property
    def rows_added(self) -> int:
        return len(self.to_add)

    @classmethod
    def of(
        cls,
        opened: OpenedBatch,
        read_as: tuple[str, str],
        rows_total: int,
        committed: bool,
        to_add: list[dict[str, Any]],
        rejected: list[Rejected],
        **kind_fields: Any,
    ) -> Self:
        """The result of a run over `opened`, the file read as (encoding, delimiter)."""
        encoding, delimiter = read_as
        return cls(
            kind=opened.batch.kind,
            filename=opened.batch.filename,
            sha256=opened.sha256,
            encoding=encoding,
            delimiter=delimiter,
            rows_total=rows_total,
            to_add=to_add,
            rejected=rejected,
            committed=committed,
            batch_id=opened.batch.id if committed else None,
            imported_before=opened.imported_before,
            **kind_fields,
        )


def open_batch(session: Session, kind: str, filename: str, data: bytes, actor: str) -> OpenedBatch:
    """The file's ImportBatch row, flushed so that the rows it adds can point at it."""
    sha = hashlib.sha256(data).hexdigest()
    imported_before = session.scalar(
        select(ImportBatch.created_at)
        .where(ImportBatch.file_sha256 == sha, ImportBatch.kind == kind)
        .order_by(ImportBatch.created_at)
    )
    now = clock.now()
    # Written in the preview too (and rolled back with it): the first write opens the transaction, so the
    # per-row savepoints below nest inside it on every driver.
    batch = ImportBatch(kind=kind, filename=filename[:255], file_sha256=sha, created_at=now, created_by=actor)
    session.add(batch)
    session.flush()
    return OpenedBatch(batch, sha, imported_before, now)


def rolled_back(sessions: sessionmaker[Session], work: Callable[[Session], T]) -> T:
    """What `work` returns, computed inside a transaction that is rolled back (an import's preview)."""
    session = sessions()
    try:
        session.begin()
        return work(session)
    finally:
        session.rollback()
        session.close()


def audit_commit(session: Session, opened: OpenedBatch, actor: str, filename: str, **details: object) -> None:
    """The audit row of a committed import: the file, who imported it and what its rows came to (the batch row's
    counts, with the details the kind of import adds)."""
    batch = opened.batch
    counts = {"rows": batch.rows_total, "added": batch.rows_added, "rejected": batch.rows_rejected}
    file = {"kind": batch.kind, "filename": filename, "sha256": opened.sha256}
    audit.staff_action(
        session, actor, "import.committed", "import_batch", batch.id, at=opened.now, **file, **counts, **details
    )
