"""The data version the staff pages' cached figures are keyed on, read from the database on each page run, so that
every replica sees a change at once, whichever replica (or job) made it.

Every write that changes data leaves a row in the append-only audit log in the same transaction (imports, reading
submissions and corrections, payments and their callbacks, window processing, conflict decisions), so the newest
audit row's id is a version of the data: one look-up at the end of the primary key, no table of its own.

Not every new audit row has to throw the caches away. What staff do (an import, a correction, processing a window,
a decision on a conflict) and what the jobs do must show at once on every replica. The citizens' own stream of
readings and payments moves the version every few seconds at the end of a window; for it, a replica keeps the
figures it has until they are `tolerance` seconds old, as the five-minute cache did before. Audited events that
change no figure (a staff login, an expired payment intent) never count as staff changes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import Session, sessionmaker

from db.models import AuditLog

IMMEDIATE_ACTORS = ("staff", "system")
QUIET_ACTIONS = ("staff.login", "payment.expired")


def newest(session: Session) -> int:
    """The id of the newest audit row (0 for an empty log)."""
    return session.scalar(select(func.max(AuditLog.id))) or 0


def changed_by_staff(session: Session, after: int, upto: int) -> bool:
    """Whether staff or a job changed data between two versions (the rows between them are few: those written
    since this replica last moved its version)."""
    return bool(
        session.scalar(
            select(
                exists().where(
                    and_(
                        AuditLog.id > after,
                        AuditLog.id <= upto,
                        AuditLog.actor_type.in_(IMMEDIATE_ACTORS),
                        AuditLog.action.not_in(QUIET_ACTIONS),
                    )
                )
            )
        )
    )


class DataVersion:
    """One replica's view of the data version: `current()` is the version its cached figures are keyed on."""

    def __init__(self, tolerance: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.tolerance = tolerance
        self._clock = clock
        self._lock = threading.Lock()
        self._version: int | None = None
        self._since = 0.0

    def current(self, sessions: sessionmaker[Session]) -> int:
        with sessions() as session:
            latest = newest(session)
            with self._lock:
                kept, since = self._version, self._since
            now = self._clock()
            if kept == latest:
                return latest
            fresh_enough = kept is not None and kept < latest and now - since < self.tolerance
            if fresh_enough and not changed_by_staff(session, kept or 0, latest):
                return kept or 0
        with self._lock:
            self._version, self._since = latest, now
        return latest
