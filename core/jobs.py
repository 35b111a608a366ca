"""The periodic jobs' shared rule: each one runs inside one transaction that first takes the job's lock, so two
runs at once (a timer firing while an operator runs it by hand, two hosts) take turns and the second finds the
work done. PostgreSQL: a transaction-scoped advisory lock. SQLite: the write lock, taken by the first statement.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any, cast

from sqlalchemy import Connection, CursorResult, delete, or_, select, text, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from core import clock
from core.config import settings
from core.errors import DomainError
from db.models import ConsumerSession, FailedAttempt, ReadingWindow

log = logging.getLogger("teplo.jobs")


def lock(session: Session, job: str) -> None:
    """Serialize this job's runs until the transaction ends."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": f"teplo.job.{job}"})
    else:  # a write as the first statement: SQLite hands out its single write lock (waiting up to busy_timeout)
        session.execute(update(ReadingWindow).where(ReadingWindow.id == -1).values(id=ReadingWindow.id))


def record_lock(session: Session | Connection, name: str, shared: bool) -> None:
    """For figures summed once and recorded (core.balances, core.window_figures): a record is summed under the
    exclusive lock and dropped under the shared one, so none is summed while a write that would drop it is still
    open; writers do not wait for each other. On SQLite the single write lock does the same."""
    dialect = session.get_bind().dialect if isinstance(session, Session) else session.dialect
    if dialect.name == "postgresql":
        function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
        session.execute(text(f"SELECT {function}(hashtext(:name))"), {"name": f"teplo.record.{name}"})
    elif not shared and isinstance(session, Session):
        lock(session, name)


def refresh_statistics(sessions: sessionmaker[Session], *tables: str) -> None:
    """ANALYZE tables that have just gained a month's rows at once (PostgreSQL; as their owner, else the server only
    warns). Autovacuum analyses a table once a tenth of it has changed: a table that gains a window's lines a month
    (136,000 at a million accounts) soon holds ten months of them, and the planner would take the newest window,
    the one the pages show, for nearly empty (a page of the additional-charges list was then sorted on disk: 0.54 s
    a page, 35 ms after an ANALYZE)."""
    try:
        with sessions() as session:
            if session.get_bind().dialect.name != "postgresql":
                return
            for table in tables:
                session.execute(text(f"ANALYZE {table}"))
            session.commit()
    except SQLAlchemyError:
        # What was written is committed: until autovacuum comes, the pages are slower, and nothing failed.
        log.warning("could not analyse %s", ", ".join(tables), exc_info=True)


def ensure_windows(sessions: sessionmaker[Session], now: dt.datetime | None = None, months_ahead: int = 2) -> int:
    """The default reading windows from last month to `months_ahead` months ahead; returns how many were made."""
    from core.windows import ensure_default_windows

    today = (now or clock.now()).astimezone(clock.KYIV).date()
    with sessions.begin() as session:
        lock(session, "windows")  # two runs at once: the second finds the windows there
        return ensure_default_windows(session, clock.add_months(today, -1), clock.add_months(today, months_ahead))


def close_windows(
    sessions: sessionmaker[Session], now: dt.datetime | None = None, within_days: int | None = None
) -> list[dt.date]:
    """Freeze the additional-charges list of every window that closed in the last `within_days` and is not
    processed yet (what a manager's «Обробити» does), and record the figures of the year's closed windows and the
    newest closed windows' submission curves for the staff charts (core.window_figures); returns the periods processed now. Default: the setting
    TEPLO_CLOSE_WINDOWS_WITHIN_DAYS."""
    from core import dashboard_readings, window_figures
    from core.additional_charges import process_window

    now = now or clock.now()
    within_days = settings().close_windows_within_days if within_days is None else within_days
    with sessions() as session:
        due = session.execute(
            select(ReadingWindow.id, ReadingWindow.period)
            .where(
                ReadingWindow.processed_at.is_(None),
                ReadingWindow.closes_at <= now,
                ReadingWindow.closes_at > now - dt.timedelta(days=within_days),
            )
            .order_by(ReadingWindow.period)
        ).all()
    done = []
    for window_id, period in due:
        try:
            lines = process_window(sessions, window_id, actor="system:close-windows", now=now)
        except DomainError as error:
            if error.key == "window.already_processed":  # another run got there first
                continue
            raise
        log.info("window closed", extra={"job": "close-windows", "period": period.isoformat(), "lines": lines})
        done.append(period)
    window_figures.record_closed(sessions, now)
    dashboard_readings.record_closed_curves(sessions, now)
    return done


def cleanup(
    sessions: sessionmaker[Session], now: dt.datetime | None = None, keep_days: int | None = None
) -> tuple[int, int]:
    """Delete consumer sessions ended (revoked or idle past the timeout) more than `keep_days` ago, and failed
    login/registration attempts older than that (default: the setting TEPLO_CLEANUP_KEEP_DAYS); returns
    (sessions, attempts) deleted."""
    now = now or clock.now()
    configured = settings()
    cutoff = now - dt.timedelta(days=configured.cleanup_keep_days if keep_days is None else keep_days)
    idle_cutoff = cutoff - dt.timedelta(minutes=configured.session_idle_minutes)
    with sessions.begin() as session:
        lock(session, "cleanup")
        ended = session.execute(
            delete(ConsumerSession).where(
                or_(ConsumerSession.revoked_at < cutoff, ConsumerSession.last_seen_at < idle_cutoff)
            )
        )
        attempts = session.execute(delete(FailedAttempt).where(FailedAttempt.at < cutoff))
        counts = cast(CursorResult[Any], ended).rowcount or 0, cast(CursorResult[Any], attempts).rowcount or 0
    log.info("cleanup done", extra={"job": "cleanup", "sessions": counts[0], "attempts": counts[1]})
    return counts
