"""The reading-window calendar (DESIGN rule 5): by default the 25th of the month to the end of the 3rd
of the next, Kyiv time. Windows live in the database, so staff can move any of them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core import audit, clock
from core.clock import add_months, kyiv_midnight, month_start
from core.config import WINDOW_CLOSES_AFTER_DAY, WINDOW_OPENS_DAY
from core.errors import DomainError
from core.queries import read_rows
from core.races import write_or_explain
from db.models import ReadingWindow


@dataclass(frozen=True)
class WindowInfo:
    id: int
    period: dt.date
    opens_at: dt.datetime
    closes_at: dt.datetime  # exclusive
    processed_at: dt.datetime | None

    @property
    def last_day(self) -> dt.date:
        """The last calendar day (Kyiv) readings are accepted: what people are told."""
        return (self.closes_at.astimezone(clock.KYIV) - dt.timedelta(microseconds=1)).date()

    @property
    def first_day(self) -> dt.date:
        return self.opens_at.astimezone(clock.KYIV).date()

    def is_open(self, now: dt.datetime) -> bool:
        return self.opens_at <= now < self.closes_at


def default_bounds(period: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Opens at 00:00 on the 25th of the period's month, closes at 00:00 on the 4th of the next month."""
    period = month_start(period)
    opens = kyiv_midnight(period.replace(day=WINDOW_OPENS_DAY))
    closes = kyiv_midnight(add_months(period, 1).replace(day=WINDOW_CLOSES_AFTER_DAY)) + dt.timedelta(days=1)
    return opens, closes


def _info(row: ReadingWindow) -> WindowInfo:
    return WindowInfo(row.id, row.period, row.opens_at, row.closes_at, row.processed_at)


def ensure_default_windows(session: Session, first: dt.date, last: dt.date) -> int:
    """Create the default window for every month from first to last that has none; returns how many."""
    existing = set(session.scalars(select(ReadingWindow.period)))
    created = 0
    period = month_start(first)
    while period <= month_start(last):
        if period not in existing:
            opens, closes = default_bounds(period)
            session.add(ReadingWindow(period=period, opens_at=opens, closes_at=closes))
            created += 1
        period = add_months(period, 1)
    return created


def open_window(session: Session, now: dt.datetime) -> WindowInfo | None:
    row = session.scalar(
        select(ReadingWindow)
        .where(ReadingWindow.opens_at <= now, ReadingWindow.closes_at > now)
        .order_by(ReadingWindow.opens_at.desc())
    )
    return _info(row) if row else None


def next_window(session: Session, now: dt.datetime) -> WindowInfo | None:
    row = session.scalar(select(ReadingWindow).where(ReadingWindow.opens_at > now).order_by(ReadingWindow.opens_at))
    return _info(row) if row else None


def last_closed_window(session: Session, now: dt.datetime) -> WindowInfo | None:
    row = session.scalar(
        select(ReadingWindow).where(ReadingWindow.closes_at <= now).order_by(ReadingWindow.closes_at.desc())
    )
    return _info(row) if row else None


@dataclass(frozen=True)
class WindowStatus:
    """What the readings screen tells a consumer: the open window, or when the next one opens."""

    open: WindowInfo | None
    next: WindowInfo | None
    now: dt.datetime


def window_status(sessions: sessionmaker[Session], now: dt.datetime | None = None) -> WindowStatus:
    now = now or clock.now()
    with sessions() as session:
        return WindowStatus(open_window(session, now), next_window(session, now), now)


def list_windows(sessions: sessionmaker[Session]) -> list[WindowInfo]:
    query = select(
        ReadingWindow.id,
        ReadingWindow.period,
        ReadingWindow.opens_at,
        ReadingWindow.closes_at,
        ReadingWindow.processed_at,
    )
    return read_rows(sessions, WindowInfo, query.order_by(ReadingWindow.period.desc()))


def _check_bounds(opens_at: dt.datetime, closes_at: dt.datetime) -> None:
    if closes_at <= opens_at:
        raise DomainError("window.dates")


def create_window(
    sessions: sessionmaker[Session],
    period: dt.date,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    actor: str,
    now: dt.datetime | None = None,
) -> int:
    """A window for a month that has none (staff add one beyond the default calendar); two staff adding the same
    month at once are told it exists, through the unique period."""
    now = now or clock.now()
    _check_bounds(opens_at, closes_at)
    period = month_start(period)

    def exists_already(session: Session) -> None:
        if session.scalar(select(ReadingWindow.id).where(ReadingWindow.period == period)):
            raise DomainError("window.exists")

    def write(session: Session) -> int:
        exists_already(session)
        row = ReadingWindow(period=period, opens_at=opens_at, closes_at=closes_at)
        session.add(row)
        session.flush()
        audit.staff_action(
            session,
            actor,
            "window.created",
            "reading_window",
            period.isoformat(),
            at=now,
            opens_at=opens_at.isoformat(),
            closes_at=closes_at.isoformat(),
        )
        return row.id

    return write_or_explain(sessions, write, exists_already)


def change_window(
    sessions: sessionmaker[Session],
    window_id: int,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    actor: str,
    now: dt.datetime | None = None,
) -> None:
    """Move the bounds of an existing window; the audit row keeps the old bounds beside the new ones."""
    now = now or clock.now()
    _check_bounds(opens_at, closes_at)
    with sessions.begin() as session:
        row = session.get(ReadingWindow, window_id)
        if row is None:
            raise DomainError("window.unknown")
        audit.staff_action(
            session,
            actor,
            "window.changed",
            "reading_window",
            row.period.isoformat(),
            at=now,
            before=[row.opens_at.isoformat(), row.closes_at.isoformat()],
            after=[opens_at.isoformat(), closes_at.isoformat()],
        )
        row.opens_at, row.closes_at = opens_at, closes_at
