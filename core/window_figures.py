"""Per reading window: the metered accounts (a hot-water meter in service for the whole month) and those of them
with a standing reading. The overview and the readings page chart a year of windows; counted from the meters and
readings that is two seconds at a million accounts, on every view. A window's metered accounts change only with
the register: the open window's are kept too (WindowMetered), until a register change.

A closed window's figures and its submission curve change only when a reading is written for it (a late import, a
correction) or the register changes, so they are summed once and recorded (WindowFigures, WindowCurveDay); every
such write drops them in its own transaction (core.rollups.standing_changes for readings, core.register_import for
the register), under the lock that keeps a record from being summed while such a write is open
(core.jobs.record_lock). The open window and a street's figures are always counted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from typing import Any, NamedTuple

from sqlalchemy import Connection, Select, case, delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from core import clock
from core.jobs import record_lock
from core.queries import on_street
from core.register import metered_condition
from db.models import Account, Meter, Reading, ReadingWindow, WindowCurveDay, WindowFigures, WindowMetered

# A write into a window still open drops no record (core.rollups.standing_changes): a window is recorded only once
# it has been closed this long, by when every transaction that found it open has long committed.
SETTLE = dt.timedelta(minutes=10)


class Window(NamedTuple):
    id: int
    period: dt.date
    closes_at: dt.datetime


class Figures(NamedTuple):
    submitted: int
    metered: int


def _metered(session: Session, windows: Sequence[Window], street: str | None) -> dict[int, int]:
    """One pass over the meters grouped by account (a hash, where a distinct count per window would sort the meters
    once per window), one flag per window, summed."""
    per_account = on_street(
        select(*[func.max(case((metered_condition(w.period), 1), else_=0)).label(f"w{w.id}") for w in windows])
        .select_from(Meter)
        .join(Account, Account.id == Meter.account_id)
        .where(Meter.service == "hot_water", Account.has_hot_water.is_(True))
        .group_by(Meter.account_id),
        street,
    ).subquery()
    row = session.execute(select(*[func.sum(per_account.c[f"w{w.id}"]) for w in windows])).one()
    return {w.id: n or 0 for w, n in zip(windows, row)}


def _submitted(session: Session, window_ids: list[int], street: str | None) -> dict[int, int]:
    """The hot-water accounts with a standing reading. One window (the open one, on every view of the readings
    page): its accounts counted distinct, one sort of its readings (0.3 s at a million accounts). Several (a year
    being recorded, a street's): the standing readings counted (one per meter and window, a unique index), less the
    second and later of an account with several meters; a distinct count would sort every reading of the windows
    (2.6 s for a year at a million accounts, against 1.4 s), but finding the accounts with several meters reads
    every meter (0.4 s), more than one window's sort."""
    counts = dict.fromkeys(window_ids, 0)

    def standing(*columns: Any, accounts: Any = None) -> Select[Any]:
        """`columns` over the windows' standing readings of hot-water meters, with their meter and account."""
        query = (
            select(*columns)
            .join(Meter, Meter.id == Reading.meter_id)
            .join(Account, Account.id == Meter.account_id)
            .where(
                Reading.window_id.in_(window_ids),
                Reading.status == "accepted",
                Meter.service == "hot_water",
                Account.has_hot_water.is_(True),
            )
        )
        return on_street(query if accounts is None else query.where(Meter.account_id.in_(accounts)), street)

    one = len(window_ids) == 1
    counted = standing(Reading.window_id, func.count(func.distinct(Meter.account_id)) if one else func.count())
    for window_id, count in session.execute(counted.group_by(Reading.window_id)):
        counts[window_id] = count
    if one:
        return counts
    several = (
        select(Meter.account_id).where(Meter.service == "hot_water").group_by(Meter.account_id).having(func.count() > 1)
    )
    per_account = (
        standing(Reading.window_id, func.count().label("readings"), accounts=several)
        .group_by(Reading.window_id, Meter.account_id)
        .having(func.count() > 1)
        .subquery()
    )
    extra = select(per_account.c.window_id, func.sum(per_account.c.readings - 1)).group_by(per_account.c.window_id)
    for window_id, surplus in session.execute(extra):
        counts[window_id] -= surplus
    return counts


def count(session: Session, windows: Sequence[Window], street: str | None = None) -> dict[int, Figures]:
    """The figures counted from the meters and readings."""
    if not windows:
        return {}
    metered = _metered(session, windows, street)
    submitted = _submitted(session, [w.id for w in windows], street)
    return {w.id: Figures(min(submitted[w.id], metered[w.id]), metered[w.id]) for w in windows}


def figures(
    sessions: sessionmaker[Session],
    windows: Sequence[Window],
    street: str | None = None,
    now: dt.datetime | None = None,
) -> dict[int, Figures]:
    """The figures of each window: a closed window's from its record (summed and recorded when missing); the
    others' accounts with a reading counted, their metered accounts kept (all streets) or counted (a street)."""
    now = now or clock.now()
    closed = [w for w in windows if w.closes_at <= now - SETTLE and street is None]
    found: dict[int, Figures] = {}
    if closed:
        with sessions() as session:
            found = _recorded(session, [w.id for w in closed])
    missing = [w for w in closed if w.id not in found]
    if missing:
        with sessions.begin() as session:
            record_lock(session, "window_figures", shared=False)
            found |= _recorded(session, [w.id for w in missing])  # recorded while this waited for the lock
            still = [w for w in missing if w.id not in found]
            counted = count(session, still)
            session.add_all(
                WindowFigures(window_id=i, submitted=s, metered=m, recorded_at=now) for i, (s, m) in counted.items()
            )
            found |= counted
    rest = [w for w in windows if w.id not in found]
    if rest and street is None:
        kept = _kept_metered(sessions, rest, now)
        with sessions() as session:
            submitted = _submitted(session, [w.id for w in rest], None)
        found |= {w.id: Figures(min(submitted[w.id], kept[w.id]), kept[w.id]) for w in rest}
    elif rest:
        with sessions() as session:
            found |= count(session, rest, street)
    return found


def _kept_metered(sessions: sessionmaker[Session], windows: Sequence[Window], now: dt.datetime) -> dict[int, int]:
    """The metered accounts of windows whose readings may still change (the open one): they change only with the
    register, so they are counted once and kept (WindowMetered) until a register change drops them (forget)."""
    ids = [w.id for w in windows]
    read = select(WindowMetered.window_id, WindowMetered.metered).where(WindowMetered.window_id.in_(ids))
    with sessions() as session:
        found = dict(session.execute(read).tuples().all())
    missing = [w for w in windows if w.id not in found]
    if missing:
        with sessions.begin() as session:
            record_lock(session, "window_figures", shared=False)
            found |= dict(session.execute(read).tuples().all())  # kept while this waited for the lock
            still = [w for w in missing if w.id not in found]
            counted = _metered(session, still, None) if still else {}
            session.add_all(WindowMetered(window_id=i, metered=m, recorded_at=now) for i, m in counted.items())
            found |= counted
    return found


def _recorded(session: Session, window_ids: list[int]) -> dict[int, Figures]:
    rows = session.execute(
        select(WindowFigures.window_id, WindowFigures.submitted, WindowFigures.metered).where(
            WindowFigures.window_id.in_(window_ids)
        )
    )
    return {window_id: Figures(submitted, metered) for window_id, submitted, metered in rows}


def metered(
    sessions: sessionmaker[Session],
    windows: Sequence[Window],
    now: dt.datetime | None = None,
    street: str | None = None,
) -> dict[int, int]:
    """The metered accounts of each window: a closed window's from its figures' record, the open one's kept (all
    streets), a street's counted in one pass."""
    now = now or clock.now()
    if street is not None:
        with sessions() as session:
            return _metered(session, windows, street)
    closed = [w for w in windows if w.closes_at <= now - SETTLE]
    found = {i: f.metered for i, f in figures(sessions, closed, now=now).items()}
    rest = [w for w in windows if w.id not in found]
    return found | (_kept_metered(sessions, rest, now) if rest else {})


def forget(session: Session | Connection, window_ids: Iterable[int] | None = None) -> None:
    """Drop the records of these windows (a reading written for them), in the writing transaction; None: a register
    change, which drops every window's records and the metered accounts kept."""
    record_lock(session, "window_figures", shared=True)
    for model in (WindowFigures, WindowCurveDay):
        statement = delete(model)
        if window_ids is not None:
            statement = statement.where(model.window_id.in_(sorted(set(window_ids))))
        session.execute(statement)
    if window_ids is None:
        session.execute(delete(WindowMetered))


def curve(
    sessions: sessionmaker[Session],
    window: Window,
    days: Sequence[dt.date],
    count: Callable[[Session], dict[dt.date, int]],
    street: str | None = None,
    now: dt.datetime | None = None,
) -> dict[dt.date, int]:
    """Per day of `days` (a closed window's every day), the accounts whose first reading in the window came that day:
    a closed window's (all streets) from its record, counted by `count` and recorded when missing; the others
    counted."""
    now = now or clock.now()
    if street is not None or window.closes_at > now - SETTLE:
        with sessions() as session:
            return count(session)
    read = select(WindowCurveDay.day, WindowCurveDay.accounts).where(WindowCurveDay.window_id == window.id)
    with sessions() as session:
        found = dict(session.execute(read).tuples().all())
    if found:
        return found
    with sessions.begin() as session:
        record_lock(session, "window_figures", shared=False)
        found = dict(session.execute(read).tuples().all())  # recorded while this waited for the lock
        if not found:
            counted = count(session)
            found = {day: counted.get(day, 0) for day in days}
            session.add_all(WindowCurveDay(window_id=window.id, day=day, accounts=n) for day, n in found.items())
        return found


def record_closed(sessions: sessionmaker[Session], now: dt.datetime | None = None, months: int = 13) -> int:
    """The nightly work: record the figures of the windows closed in the last `months` (the charts' year and the
    one before it), so no one waits for them; returns how many windows have a record."""
    now = now or clock.now()
    since = clock.add_months(clock.month_start(now.astimezone(clock.KYIV).date()), -months)
    with sessions() as session:
        windows = [
            Window(*row)
            for row in session.execute(
                select(ReadingWindow.id, ReadingWindow.period, ReadingWindow.closes_at).where(
                    ReadingWindow.period >= since, ReadingWindow.closes_at <= now
                )
            )
        ]
    return len(figures(sessions, windows, now=now))
