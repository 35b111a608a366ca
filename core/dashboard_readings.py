"""The staff readings page's numbers: readings per window and channel, the submission curve, the metered accounts
still without a reading. Aggregates in SQL, as everywhere in core.dashboard.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, sessionmaker

from core import clock, window_figures
from core.clock import KYIV, month_start
from core.dashboard import kyiv_bucket, percent, prepare
from core.queries import on_street
from core.register import metered_condition
from core.windows import WindowInfo
from db.models import Account, Meter, Reading, ReadingWindow, WindowReadingTotal


@dataclass(frozen=True)
class WindowReadings:
    window_id: int
    period: dt.date
    by_channel: dict[str, int]  # accepted readings per channel
    submitted: int  # metered accounts with an accepted reading
    metered: int

    @property
    def share(self) -> Decimal | None:
        return percent(self.submitted, self.metered)


def streets(sessions: sessionmaker[Session]) -> list[str]:
    with sessions() as session:
        return list(session.scalars(select(Account.street).distinct().order_by(Account.street)))


def readings_per_window(
    sessions: sessionmaker[Session],
    first: dt.date,
    last: dt.date,
    street: str | None = None,
    now: dt.datetime | None = None,
) -> list[WindowReadings]:
    """Windows whose period lies in [first, last] and that have opened by now, oldest first."""
    now = now or clock.now()
    with sessions() as session:
        windows = [
            window_figures.Window(*row)
            for row in session.execute(
                select(ReadingWindow.id, ReadingWindow.period, ReadingWindow.closes_at)
                .where(
                    ReadingWindow.period >= month_start(first),
                    ReadingWindow.period <= month_start(last),
                    ReadingWindow.opens_at <= now,
                )
                .order_by(ReadingWindow.period)
            )
        ]
    if not windows:
        return []
    ids = [w.id for w in windows]
    counted = window_figures.figures(sessions, windows, street, now)
    by_channel: dict[int, dict[str, int]] = {i: {} for i in ids}
    accepted = func.sum(WindowReadingTotal.accepted)
    per_channel = (
        select(WindowReadingTotal.window_id, WindowReadingTotal.channel, accepted)
        .where(WindowReadingTotal.window_id.in_(ids))
        .group_by(WindowReadingTotal.window_id, WindowReadingTotal.channel)
        .having(accepted > 0)
    )
    if street:
        per_channel = per_channel.where(WindowReadingTotal.street == street)
    with sessions() as session:
        for window_id, channel, count in session.execute(per_channel):  # from the totals of core.rollups
            by_channel[window_id][channel] = count
    return [WindowReadings(w.id, w.period, by_channel[w.id], *counted[w.id]) for w in windows]


@dataclass(frozen=True)
class CurveDay:
    day: dt.date
    new: int  # accounts whose first reading in the window came that day
    cumulative: int
    share: Decimal | None  # cumulative share of metered accounts, %
    last_days: bool  # one of the window's last three days
    new_share: Decimal | None = None  # that day's newcomers as a share of metered accounts, %


@dataclass(frozen=True)
class SubmissionCurve:
    window: WindowInfo
    metered: int
    days: list[CurveDay] = field(default_factory=list)


def submission_curve(
    sessions: sessionmaker[Session], window_id: int, street: str | None = None, now: dt.datetime | None = None
) -> SubmissionCurve:
    """Accounts that had submitted by the end of each Kyiv day of the window (first reading per account)."""
    now = now or clock.now()
    with sessions() as session:
        prepare(session)
        row = session.get_one(ReadingWindow, window_id)
        window = WindowInfo(row.id, row.period, row.opens_at, row.closes_at, row.processed_at)
        shown = window_figures.Window(row.id, row.period, row.closes_at)
        metered = window_figures.metered(sessions, [shown], now, street)[row.id]
        window_days = [
            window.first_day + dt.timedelta(days=i) for i in range((window.last_day - window.first_day).days + 1)
        ]

        def count(counting: Session) -> dict[dt.date, int]:
            prepare(counting)
            first = on_street(
                select(Meter.account_id.label("account_id"), func.min(Reading.submitted_at).label("first_at"))
                .join(Meter, Meter.id == Reading.meter_id)
                .join(Account, Account.id == Meter.account_id)
                .where(
                    Reading.window_id == window_id,
                    Reading.status.in_(("accepted", "superseded")),
                    metered_condition(window.period),
                )
                .group_by(Meter.account_id),
                street,
            ).subquery()
            day = kyiv_bucket(counting, first.c.first_at, "day")
            return {dt.date.fromisoformat(d): n for d, n in counting.execute(select(day, func.count()).group_by(day))}

        counts = window_figures.curve(sessions, shown, window_days, count, street, now)
    days, total = [], 0
    last_day = min(window.last_day, now.astimezone(KYIV).date())
    current = window.first_day
    while current <= last_day:
        total += counts.get(current, 0)
        days.append(
            CurveDay(
                current,
                counts.get(current, 0),
                total,
                percent(total, metered),
                (window.last_day - current).days < 3,
                percent(counts.get(current, 0), metered),
            )
        )
        current += dt.timedelta(days=1)
    return SubmissionCurve(window, metered, days)


def record_closed_curves(sessions: sessionmaker[Session], now: dt.datetime | None = None, newest: int = 2) -> int:
    """The nightly work: record the curves of the newest closed windows, which the readings page draws when it
    opens (the chosen window's and the one before it), so no one waits for them; returns how many were recorded."""
    now = now or clock.now()
    with sessions() as session:
        closed = session.scalars(
            select(ReadingWindow.id)
            .where(ReadingWindow.closes_at <= now - window_figures.SETTLE)
            .order_by(ReadingWindow.period.desc())
            .limit(newest)
        ).all()
    for window_id in closed:
        submission_curve(sessions, window_id, now=now)
    return len(closed)


@dataclass(frozen=True)
class MissingAccount:
    account_number: str
    address: str
    street: str
    meter_serial: str
    last_value: Decimal | None
    last_submitted_at: dt.datetime | None


def accounts_without_reading(
    sessions: sessionmaker[Session], window_id: int, street: str | None = None, limit: int | None = None
) -> tuple[int, list[MissingAccount]]:
    """Metered accounts with no reading yet in the window: (how many, the first `limit` rows by address)."""
    with sessions() as session:
        window = session.get_one(ReadingWindow, window_id)
        has_reading = (
            select(Reading.id)
            .where(Reading.meter_id == Meter.id, Reading.window_id == window_id, Reading.status == "accepted")
            .exists()
        )
        condition = and_(metered_condition(window.period), ~has_reading)
        total = (
            session.scalar(
                on_street(
                    select(func.count())
                    .select_from(Meter)
                    .join(Account, Account.id == Meter.account_id)
                    .where(condition),
                    street,
                )
            )
            or 0
        )
        query = on_street(
            select(Meter.id, Account.number, Account.address, Account.street, Meter.serial)
            .select_from(Meter)
            .join(Account, Account.id == Meter.account_id)
            .where(condition)
            .order_by(Account.street, Account.number),
            street,
        )
        if limit is not None:
            query = query.limit(limit)
        rows = session.execute(query).all()
        last = _last_readings(session, [row[0] for row in rows], exclude_window_id=window_id)
        return total, [
            MissingAccount(number, address, street_name, serial, *last.get(meter_id, (None, None)))
            for meter_id, number, address, street_name, serial in rows
        ]


def _last_readings(
    session: Session, meter_ids: list[int], exclude_window_id: int
) -> dict[int, tuple[Decimal, dt.datetime]]:
    """meter id -> (value, submitted_at) of its last accepted reading outside the window, in chunks of meters."""
    found: dict[int, tuple[Decimal, dt.datetime]] = {}
    for start in range(0, len(meter_ids), 1000):
        ranked = (
            select(
                Reading.meter_id,
                Reading.value,
                Reading.submitted_at,
                func.row_number()
                .over(partition_by=Reading.meter_id, order_by=(Reading.submitted_at.desc(), Reading.id.desc()))
                .label("rank"),
            )
            .where(
                Reading.meter_id.in_(meter_ids[start : start + 1000]),
                Reading.status == "accepted",
                Reading.window_id != exclude_window_id,
            )
            .subquery()
        )
        for meter_id, value, at in session.execute(
            select(ranked.c.meter_id, ranked.c.value, ranked.c.submitted_at).where(ranked.c.rank == 1)
        ):
            found[meter_id] = (value, at)
    return found
