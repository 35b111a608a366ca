"""The staff overview's numbers (readings, payments, debt), and the SQL pieces the other staff pages' read models
(core.dashboard_readings, core.dashboard_payments, core.additional_charges) share.

Every aggregate is a GROUP BY in the database; only aggregated rows (a few per window, day or month) come back.
Calendar buckets are Kyiv days/weeks/months on PostgreSQL (its time-zone database) and SQLite (a small SQL
function registered on the connection, since SQLite stores naive UTC).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    SQLColumnExpression,
    String,
    distinct,
    func,
    literal,
    select,
)
from sqlalchemy.orm import Session, sessionmaker

from core import balances, clock, window_figures
from core.clock import KYIV, add_months, kyiv_midnight, month_start
from core.register import metered_condition
from core.windows import WindowInfo, last_closed_window, open_window
from db.models import (
    Account,
    ChargeMonthTotal,
    ConsumerAccountLink,
    Meter,
    Payment,
    PaymentDayTotal,
    Reading,
    ReadingWindow,
)

ZERO = Decimal("0.00")
HUNDRED = Decimal(100)
UNITS = ("day", "week", "month")


# --- Kyiv calendar buckets in SQL -------------------------------------------------------------------------------


def bucket_start(day: dt.date, unit: str) -> dt.date:
    if unit == "week":
        return day - dt.timedelta(days=day.weekday())
    if unit == "month":
        return day.replace(day=1)
    return day


def bucket_starts(first: dt.date, last: dt.date, unit: str) -> list[dt.date]:
    """Every day/week/month from the one holding `first` to the one holding `last`, by its first day (weeks from
    Monday, as kyiv_bucket): a chart's axis, with the buckets that received nothing drawn as empty, not skipped."""
    if unit not in UNITS:
        raise ValueError(unit)
    bucket, end = bucket_start(first, unit), bucket_start(last, unit)
    buckets = []
    while bucket <= end:
        buckets.append(bucket)
        bucket = add_months(bucket, 1) if unit == "month" else bucket + dt.timedelta(days=7 if unit == "week" else 1)
    return buckets


def _sqlite_kyiv_bucket(value: object, unit: str) -> str | None:
    if value is None:
        return None
    moment = dt.datetime.fromisoformat(str(value)).replace(tzinfo=dt.UTC).astimezone(KYIV)
    return bucket_start(moment.date(), unit).isoformat()


def prepare(session: Session) -> None:
    """Make kyiv_bucket() available on this session's SQLite connection (nothing to do on PostgreSQL)."""
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        driver_connection: Any = connection.connection.driver_connection  # sqlite3's
        driver_connection.create_function("kyiv_bucket", 2, _sqlite_kyiv_bucket, deterministic=True)


def kyiv_bucket(session: Session, column: SQLColumnExpression[dt.datetime], unit: str) -> ColumnElement[str]:
    """SQL text 'YYYY-MM-DD': the first day of the Kyiv day/week/month the timestamp falls in."""
    if unit not in UNITS:
        raise ValueError(unit)
    if session.get_bind().dialect.name == "postgresql":
        local = func.timezone(literal("Europe/Kyiv"), column)
        return func.to_char(func.date_trunc(literal(unit), local), literal("YYYY-MM-DD"), type_=String)
    return func.kyiv_bucket(column, literal(unit), type_=String)


def percent(part: Decimal | int, whole: Decimal | int | None) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def _money(value: Decimal | int | None) -> Decimal:
    return Decimal(value or 0).quantize(Decimal("0.01"), ROUND_HALF_UP)


# --- overview ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Overview:
    now: dt.datetime
    window: WindowInfo | None
    window_open: bool
    submitted: int
    metered: int
    submission_rate: Decimal | None
    previous_window: dt.date | None
    previous_submission_rate: Decimal | None  # the previous window at the same point of its course
    month: dt.date
    billed_month: dt.date
    paid: Decimal
    charged: Decimal
    collection_rate: Decimal | None
    previous_paid: Decimal
    previous_charged: Decimal
    previous_collection_rate: Decimal | None
    debt: Decimal  # every account's positive balance, as the consumers see theirs
    previous_debt: Decimal  # at the start of `previous_debt_day`: the same day last month (core.balances)
    previous_debt_day: dt.date
    registered: int
    previous_registered: int


def _submitted(session: Session, window_id: int, period: dt.date, until: dt.datetime | None) -> int:
    """The metered accounts that sent a reading for a window before `until` (any time: None)."""
    query = (
        select(func.count(distinct(Meter.account_id)))
        .select_from(Reading)
        .join(Meter, Meter.id == Reading.meter_id)
        .join(Account, Account.id == Meter.account_id)
        .where(
            Reading.window_id == window_id, Reading.status.in_(("accepted", "superseded")), metered_condition(period)
        )
    )
    if until is not None:
        query = query.where(Reading.submitted_at < until)
    return session.scalar(query) or 0


def _paid_in_ledger(session: Session, start: dt.datetime, end: dt.datetime) -> Decimal:
    if start >= end:
        return ZERO
    return _money(
        session.scalar(select(func.sum(Payment.amount)).where(Payment.paid_at >= start, Payment.paid_at < end))
    )


def paid_between(session: Session, start: dt.datetime, end: dt.datetime) -> Decimal:
    """Payments received in [start, end): the whole Kyiv days from the day totals (core.rollups), the part days at
    either end (today so far) from the payments themselves."""
    first = start.astimezone(KYIV).date()
    if kyiv_midnight(first) < start:
        first += dt.timedelta(days=1)
    last = end.astimezone(KYIV).date()  # days before it are whole
    if first >= last:
        return _paid_in_ledger(session, start, end)
    whole = session.scalar(
        select(func.sum(PaymentDayTotal.amount)).where(PaymentDayTotal.day >= first, PaymentDayTotal.day < last)
    )
    edges = _paid_in_ledger(session, start, kyiv_midnight(first)) + _paid_in_ledger(session, kyiv_midnight(last), end)
    return _money(_money(whole) + edges)


def charged_for(session: Session, month: dt.date) -> Decimal:
    """The month's charges to pay, from the month totals (core.rollups)."""
    return _money(
        session.scalar(select(func.sum(ChargeMonthTotal.amount_to_pay)).where(ChargeMonthTotal.month == month))
    )


def _registered_at(session: Session, at: dt.datetime) -> int:
    return (
        session.scalar(
            select(func.count(distinct(ConsumerAccountLink.account_id))).where(ConsumerAccountLink.linked_at <= at)
        )
        or 0
    )


def overview(sessions: sessionmaker[Session], now: dt.datetime | None = None) -> Overview:
    now = now or clock.now()
    local = now.astimezone(KYIV)
    previous_debt_day = balances.compared_day(now)
    previous_debt = balances.debt_at_start_of(sessions, previous_debt_day, now)
    with sessions() as session:
        window = open_window(session, now)
        is_open = window is not None
        window = window or last_closed_window(session, now)
        submitted = metered = 0
        rate = previous_rate = previous_period = None
        if window is not None:
            previous = session.scalar(
                select(ReadingWindow).where(ReadingWindow.period == add_months(window.period, -1))
            )
            # The metered accounts of a closed window are recorded (core.window_figures); the open one's counted.
            shown = [window_figures.Window(w.id, w.period, w.closes_at) for w in (window, previous) if w is not None]
            metered_in = window_figures.metered(sessions, shown, now)
            submitted, metered = _submitted(session, window.id, window.period, None), metered_in[window.id]
            rate = percent(submitted, metered)
            if previous is not None:
                until = previous.opens_at + (now - window.opens_at) if is_open else None
                done = _submitted(session, previous.id, previous.period, until)
                previous_period, previous_rate = previous.period, percent(done, metered_in[previous.id])

        month = month_start(local.date())
        previous_month = add_months(month, -1)
        month_begins = kyiv_midnight(month)
        previous_begins = kyiv_midnight(previous_month)
        elapsed = now - month_begins
        previous_until = min(previous_begins + elapsed, month_begins)
        paid = paid_between(session, month_begins, now)
        charged = charged_for(session, previous_month)
        previous_paid = paid_between(session, previous_begins, previous_until)
        previous_charged = charged_for(session, add_months(previous_month, -1))

        month_ago = now - (month_begins - previous_begins)
        debt = balances.current_debt(session)
        return Overview(
            now=now,
            window=window,
            window_open=is_open,
            submitted=submitted,
            metered=metered,
            submission_rate=rate,
            previous_window=previous_period,
            previous_submission_rate=previous_rate,
            month=month,
            billed_month=previous_month,
            paid=paid,
            charged=charged,
            collection_rate=percent(paid, charged),
            previous_paid=previous_paid,
            previous_charged=previous_charged,
            previous_collection_rate=percent(previous_paid, previous_charged),
            debt=debt,
            previous_debt=previous_debt,
            previous_debt_day=previous_debt_day,
            registered=_registered_at(session, now),
            previous_registered=_registered_at(session, month_ago),
        )
