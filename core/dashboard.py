"""The staff dashboard's numbers: overview, readings per window, the submission curve, payment inflows, debt.

Every aggregate is a GROUP BY in the database; only aggregated rows (a few per window, day or month) come back.
Calendar buckets are Kyiv days/weeks/months on PostgreSQL (its time-zone database) and SQLite (a small SQL
function registered on the connection, since SQLite stores naive UTC).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import String, and_, case, distinct, func, literal, or_, select, union_all
from sqlalchemy.orm import Session, sessionmaker

from core import balances, clock, export
from core.clock import KYIV, add_months, kyiv_midnight, month_start
from core.register import open_through
from core.windows import WindowInfo, last_closed_window, open_window
from db.models import Account, BalanceSnapshot, Charge, ConsumerAccountLink, Meter, Payment, Reading, ReadingWindow

ZERO = Decimal("0.00")
HUNDRED = Decimal(100)
READING_CHANNELS = ("cabinet", "water_utility", "staff")
UNITS = ("day", "week", "month")


# --- Kyiv calendar buckets in SQL -------------------------------------------------------------------------------

def _bucket_start(day: dt.date, unit: str) -> dt.date:
    if unit == "week":
        return day - dt.timedelta(days=day.weekday())
    if unit == "month":
        return day.replace(day=1)
    return day


def _sqlite_kyiv_bucket(value, unit):
    if value is None:
        return None
    moment = dt.datetime.fromisoformat(str(value)).replace(tzinfo=dt.UTC).astimezone(KYIV)
    return _bucket_start(moment.date(), unit).isoformat()


def prepare(session: Session) -> None:
    """Make kyiv_bucket() available on this session's SQLite connection (nothing to do on PostgreSQL)."""
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        connection.connection.driver_connection.create_function(
            "kyiv_bucket", 2, _sqlite_kyiv_bucket, deterministic=True
        )


def kyiv_bucket(session: Session, column, unit: str):
    """SQL text 'YYYY-MM-DD': the first day of the Kyiv day/week/month the timestamp falls in."""
    if unit not in UNITS:
        raise ValueError(unit)
    if session.get_bind().dialect.name == "postgresql":
        local = func.timezone(literal("Europe/Kyiv"), column)
        return func.to_char(func.date_trunc(literal(unit), local), literal("YYYY-MM-DD"), type_=String)
    return func.kyiv_bucket(column, literal(unit), type_=String)


def percent(part, whole) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def _money(value) -> Decimal:
    return Decimal(value or 0).quantize(Decimal("0.01"), ROUND_HALF_UP)


# --- who should submit: metered accounts -------------------------------------------------------------------------

def metered_condition(period: dt.date):
    """A hot-water meter in service for the whole billing month, on an account that takes hot water."""
    period_end = add_months(period, 1)
    return and_(
        Meter.service == "hot_water",
        Meter.installed_on < period_end,
        or_(Meter.removed_on.is_(None), Meter.removed_on >= period_end),
        Account.has_hot_water.is_(True),
        open_through(period_end),
    )


def _street_filter(query, street: str | None):
    return query.where(Account.street == street) if street else query


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
    debt: Decimal
    previous_debt: Decimal
    registered: int
    previous_registered: int


def _window_progress(session: Session, window_id: int, period: dt.date, until: dt.datetime | None,
                     street: str | None = None) -> tuple[int, int]:
    """(accounts that submitted before `until`, metered accounts) for a window."""
    metered = session.scalar(_street_filter(
        select(func.count(distinct(Meter.account_id))).join(Account, Account.id == Meter.account_id)
        .where(metered_condition(period)), street))
    query = (
        select(func.count(distinct(Meter.account_id)))
        .select_from(Reading)
        .join(Meter, Meter.id == Reading.meter_id)
        .join(Account, Account.id == Meter.account_id)
        .where(Reading.window_id == window_id, Reading.status.in_(("accepted", "superseded")),
               metered_condition(period))
    )
    if until is not None:
        query = query.where(Reading.submitted_at < until)
    return session.scalar(_street_filter(query, street)) or 0, metered or 0


def _paid_between(session: Session, start: dt.datetime, end: dt.datetime) -> Decimal:
    return _money(session.scalar(
        select(func.sum(Payment.amount)).where(Payment.paid_at >= start, Payment.paid_at < end)))


def _charged_for(session: Session, month: dt.date) -> Decimal:
    return _money(session.scalar(select(func.sum(Charge.amount_to_pay)).where(Charge.month == month)))


def debts_at(session: Session, *moments: dt.datetime) -> list[Decimal]:
    """Total debt at each moment: per account and service, the charges billed by then (months before the moment's
    month) minus the payments received by then, summing only the positive balances (an overpayment does not
    cancel someone else's debt). Each table is aggregated per account and service in one pass first; with a
    balance snapshot older than every moment (core.balances), only the rows since the snapshot are read."""
    names = [f"b{index}" for index in range(len(moments))]
    months = [month_start(at.astimezone(KYIV).date()) for at in moments]
    as_of = balances.snapshot_month(session)
    if as_of is not None and as_of > min(months):
        as_of = None  # a snapshot newer than a moment cannot answer for it
    charged = (
        select(Charge.account_id.label("account_id"), Charge.service.label("service"), *[
            func.sum(case((Charge.month < month, Charge.amount_to_pay), else_=0)).label(name)
            for name, month in zip(names, months)])
        .where(Charge.month < max(months))
        .group_by(Charge.account_id, Charge.service)
    )
    paid = (
        select(Payment.account_id, Payment.service, *[
            -func.sum(case((Payment.paid_at < at, Payment.amount), else_=0)) for at in moments])
        .where(Payment.paid_at < max(moments))
        .group_by(Payment.account_id, Payment.service)
    )
    parts = [charged, paid]
    if as_of is not None:
        charged = charged.where(Charge.month >= as_of)
        paid = paid.where(Payment.paid_at >= kyiv_midnight(as_of))
        before = select(BalanceSnapshot.account_id, BalanceSnapshot.service,
                        *[BalanceSnapshot.charged - BalanceSnapshot.paid for _ in moments])
        parts = [charged, paid, before]
    movements = union_all(*parts).subquery()
    balance = (
        select(*[func.sum(movements.c[name]).label(name) for name in names])
        .group_by(movements.c.account_id, movements.c.service)
        .subquery()
    )
    totals = select(*[func.sum(case((balance.c[name] > 0, balance.c[name]), else_=0)) for name in names])
    return [_money(value) for value in session.execute(totals).one()]


def debt_at(session: Session, at: dt.datetime) -> Decimal:
    return debts_at(session, at)[0]


def _registered_at(session: Session, at: dt.datetime) -> int:
    return session.scalar(
        select(func.count(distinct(ConsumerAccountLink.account_id))).where(ConsumerAccountLink.linked_at <= at)
    ) or 0


def overview(sessions: sessionmaker[Session], now: dt.datetime | None = None) -> Overview:
    now = now or clock.now()
    local = now.astimezone(KYIV)
    with sessions() as session:
        window = open_window(session, now)
        is_open = window is not None
        window = window or last_closed_window(session, now)
        submitted = metered = 0
        rate = previous_rate = previous_period = None
        if window is not None:
            submitted, metered = _window_progress(session, window.id, window.period, None)
            rate = percent(submitted, metered)
            previous = session.scalar(select(ReadingWindow).where(ReadingWindow.period == add_months(window.period, -1)))
            if previous is not None:
                until = previous.opens_at + (now - window.opens_at) if is_open else None
                done, total = _window_progress(session, previous.id, previous.period, until)
                previous_period, previous_rate = previous.period, percent(done, total)

        month = month_start(local.date())
        previous_month = add_months(month, -1)
        month_begins = kyiv_midnight(month)
        previous_begins = kyiv_midnight(previous_month)
        elapsed = now - month_begins
        previous_until = min(previous_begins + elapsed, month_begins)
        paid = _paid_between(session, month_begins, now)
        charged = _charged_for(session, previous_month)
        previous_paid = _paid_between(session, previous_begins, previous_until)
        previous_charged = _charged_for(session, add_months(previous_month, -1))

        month_ago = now - (month_begins - previous_begins)
        debt, previous_debt = debts_at(session, now, month_ago)
        return Overview(
            now=now, window=window, window_open=is_open, submitted=submitted, metered=metered,
            submission_rate=rate, previous_window=previous_period, previous_submission_rate=previous_rate,
            month=month, billed_month=previous_month, paid=paid, charged=charged,
            collection_rate=percent(paid, charged), previous_paid=previous_paid, previous_charged=previous_charged,
            previous_collection_rate=percent(previous_paid, previous_charged),
            debt=debt, previous_debt=previous_debt,
            registered=_registered_at(session, now), previous_registered=_registered_at(session, month_ago),
        )


# --- readings per window -----------------------------------------------------------------------------------------

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
    sessions: sessionmaker[Session], first: dt.date, last: dt.date, street: str | None = None,
    now: dt.datetime | None = None,
) -> list[WindowReadings]:
    """Windows whose period lies in [first, last] and that have opened by now, oldest first."""
    now = now or clock.now()
    with sessions() as session:
        windows = session.execute(
            select(ReadingWindow.id, ReadingWindow.period)
            .where(ReadingWindow.period >= month_start(first), ReadingWindow.period <= month_start(last),
                   ReadingWindow.opens_at <= now)
            .order_by(ReadingWindow.period)
        ).all()
        if not windows:
            return []
        ids = [w.id for w in windows]
        periods = {w.id: w.period for w in windows}
        # Metered accounts per window: one pass over the meters, one conditional count per window.
        metered_row = session.execute(_street_filter(
            select(*[
                func.count(distinct(case((metered_condition(w.period), Meter.account_id))))
                for w in windows
            ]).select_from(Meter).join(Account, Account.id == Meter.account_id)
            .where(Meter.service == "hot_water", Account.has_hot_water.is_(True)), street)).one()
        metered = dict(zip(ids, metered_row))
        by_channel: dict[int, dict[str, int]] = {i: {} for i in ids}
        per_channel = (select(Reading.window_id, Reading.channel, func.count())
                       .where(Reading.window_id.in_(ids), Reading.status == "accepted")
                       .group_by(Reading.window_id, Reading.channel))
        if street:  # the meters and accounts are joined only to filter by street
            per_channel = _street_filter(per_channel.join(Meter, Meter.id == Reading.meter_id)
                                         .join(Account, Account.id == Meter.account_id), street)
        for window_id, channel, count in session.execute(per_channel):
            by_channel[window_id][channel] = count
        submitted = dict.fromkeys(ids, 0)
        for window_id, count in session.execute(_street_filter(
            select(Reading.window_id, func.count(distinct(Meter.account_id)))
            .join(Meter, Meter.id == Reading.meter_id).join(Account, Account.id == Meter.account_id)
            .where(Reading.window_id.in_(ids), Reading.status == "accepted", Meter.service == "hot_water",
                   Account.has_hot_water.is_(True))
            .group_by(Reading.window_id), street)):
            submitted[window_id] = count
        return [WindowReadings(i, periods[i], by_channel[i], min(submitted[i], metered[i] or 0), metered[i] or 0)
                for i in ids]


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
        row = session.get(ReadingWindow, window_id)
        window = WindowInfo(row.id, row.period, row.opens_at, row.closes_at, row.processed_at)
        metered = session.scalar(_street_filter(
            select(func.count(distinct(Meter.account_id))).join(Account, Account.id == Meter.account_id)
            .where(metered_condition(window.period)), street)) or 0
        first = _street_filter(
            select(Meter.account_id.label("account_id"), func.min(Reading.submitted_at).label("first_at"))
            .join(Meter, Meter.id == Reading.meter_id).join(Account, Account.id == Meter.account_id)
            .where(Reading.window_id == window_id, Reading.status.in_(("accepted", "superseded")),
                   metered_condition(window.period))
            .group_by(Meter.account_id), street).subquery()
        day = kyiv_bucket(session, first.c.first_at, "day")
        counts = {dt.date.fromisoformat(d): n for d, n in session.execute(select(day, func.count()).group_by(day))}
    days, total = [], 0
    last_day = min(window.last_day, now.astimezone(KYIV).date())
    current = window.first_day
    while current <= last_day:
        total += counts.get(current, 0)
        days.append(CurveDay(current, counts.get(current, 0), total, percent(total, metered),
                             (window.last_day - current).days < 3, percent(counts.get(current, 0), metered)))
        current += dt.timedelta(days=1)
    return SubmissionCurve(window, metered, days)


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
        window = session.get(ReadingWindow, window_id)
        has_reading = (
            select(Reading.id)
            .where(Reading.meter_id == Meter.id, Reading.window_id == window_id, Reading.status == "accepted")
            .exists()
        )
        condition = and_(metered_condition(window.period), ~has_reading)
        total = session.scalar(_street_filter(
            select(func.count()).select_from(Meter).join(Account, Account.id == Meter.account_id).where(condition),
            street)) or 0
        query = _street_filter(
            select(Meter.id, Account.number, Account.address, Account.street, Meter.serial)
            .select_from(Meter).join(Account, Account.id == Meter.account_id)
            .where(condition)
            .order_by(Account.street, Account.number), street)
        if limit is not None:
            query = query.limit(limit)
        rows = session.execute(query).all()
        last = _last_readings(session, [row[0] for row in rows], exclude_window_id=window_id)
        return total, [MissingAccount(number, address, street_name, serial, *last.get(meter_id, (None, None)))
                       for meter_id, number, address, street_name, serial in rows]


def _last_readings(session: Session, meter_ids: list[int], exclude_window_id: int) -> dict[int, tuple]:
    """meter id -> (value, submitted_at) of its last accepted reading outside the window, in chunks of meters."""
    found: dict[int, tuple] = {}
    for start in range(0, len(meter_ids), 1000):
        ranked = (
            select(Reading.meter_id, Reading.value, Reading.submitted_at,
                   func.row_number().over(partition_by=Reading.meter_id,
                                          order_by=(Reading.submitted_at.desc(), Reading.id.desc())).label("rank"))
            .where(Reading.meter_id.in_(meter_ids[start:start + 1000]), Reading.status == "accepted",
                   Reading.window_id != exclude_window_id)
            .subquery()
        )
        for meter_id, value, at in session.execute(
            select(ranked.c.meter_id, ranked.c.value, ranked.c.submitted_at).where(ranked.c.rank == 1)
        ):
            found[meter_id] = (value, at)
    return found


# --- payment inflows ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class InflowRow:
    bucket: dt.date
    service: str
    channel: str
    amount: Decimal
    payments: int


@dataclass(frozen=True)
class MonthBalance:
    month: dt.date  # the month the money came in / the bill was due
    paid: Decimal
    charged: Decimal  # the bill for the previous month, due this month

    @property
    def collection_rate(self) -> Decimal | None:
        return percent(self.paid, self.charged)


def payment_inflows(
    sessions: sessionmaker[Session], first: dt.date, last: dt.date, unit: str = "month",
    service: str | None = None, channel: str | None = None,
) -> list[InflowRow]:
    """Payments received from `first` to `last` (Kyiv days, inclusive) per day/week/month, service and channel."""
    with sessions() as session:
        prepare(session)
        bucket = kyiv_bucket(session, Payment.paid_at, unit)
        query = (
            select(bucket, Payment.service, Payment.channel, func.sum(Payment.amount), func.count())
            .where(Payment.paid_at >= kyiv_midnight(first), Payment.paid_at < kyiv_midnight(last + dt.timedelta(days=1)))
            .group_by(bucket, Payment.service, Payment.channel)
            .order_by(bucket)
        )
        if service:
            query = query.where(Payment.service == service)
        if channel:
            query = query.where(Payment.channel == channel)
        return [InflowRow(dt.date.fromisoformat(b), s, c, _money(a), n) for b, s, c, a, n in session.execute(query)]


def payments_against_charges(
    sessions: sessionmaker[Session], first: dt.date, last: dt.date, service: str | None = None
) -> list[MonthBalance]:
    """Per month from `first` to `last`: the payments received and the bill due that month (previous month's
    charges to pay), the pair behind the collection rate."""
    first, last = month_start(first), month_start(last)
    with sessions() as session:
        prepare(session)
        bucket = kyiv_bucket(session, Payment.paid_at, "month")
        paid_query = (
            select(bucket, func.sum(Payment.amount))
            .where(Payment.paid_at >= kyiv_midnight(first), Payment.paid_at < kyiv_midnight(add_months(last, 1)))
            .group_by(bucket)
        )
        charged_query = (
            select(Charge.month, func.sum(Charge.amount_to_pay))
            .where(Charge.month >= add_months(first, -1), Charge.month <= add_months(last, -1))
            .group_by(Charge.month)
        )
        if service:
            paid_query = paid_query.where(Payment.service == service)
            charged_query = charged_query.where(Charge.service == service)
        paid = {dt.date.fromisoformat(b): _money(a) for b, a in session.execute(paid_query)}
        charged = {add_months(m, 1): _money(a) for m, a in session.execute(charged_query)}
    months, month = [], first
    while month <= last:
        months.append(MonthBalance(month, paid.get(month, ZERO), charged.get(month, ZERO)))
        month = add_months(month, 1)
    return months


# --- additional charges: readings under review, summaries, the billing file ---------------------------------------

@dataclass(frozen=True)
class FlaggedReading:
    account_number: str
    address: str
    street: str
    meter_serial: str
    value: Decimal
    consumption: Decimal
    submitted_at: dt.datetime
    channel: str
    reason: str | None


def flagged_readings(sessions: sessionmaker[Session], window_id: int) -> list[FlaggedReading]:
    """Accepted readings of the window flagged for review (an implausible jump the consumer confirmed)."""
    with sessions() as session:
        rows = session.execute(
            select(Account.number, Account.address, Account.street, Meter.serial, Reading.value, Reading.consumption,
                   Reading.submitted_at, Reading.channel, Reading.flag_reason)
            .join(Meter, Meter.id == Reading.meter_id).join(Account, Account.id == Meter.account_id)
            .where(Reading.window_id == window_id, Reading.status == "accepted", Reading.flagged.is_(True))
            .order_by(Account.street, Account.number)
        )
        return [FlaggedReading(*row) for row in rows]


def count_by_street_and_reason(lines, flagged) -> dict[str, dict[str, int]]:
    """street -> {"average"/"norm"/"flagged": accounts}, from the window's additional-charge lines and flags."""
    table: dict[str, dict[str, int]] = {}
    for line in lines:
        table.setdefault(line.street, {}).setdefault(line.rule, 0)
        table[line.street][line.rule] += 1
    for reading in flagged:
        table.setdefault(reading.street, {}).setdefault("flagged", 0)
        table[reading.street]["flagged"] += 1
    return dict(sorted(table.items(), key=lambda item: -sum(item[1].values())))


BILLING_HEADER = ("account_number", "service", "period", "volume_m3", "tariff", "amount", "rule", "quality")


def _comma(value: Decimal, places: int) -> str:
    return f"{Decimal(value).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP):f}".replace(".", ",")


def _tariff_text(value: Decimal) -> str:
    text = f"{value.normalize():f}"
    places = max(2, len(text.split(".")[1]) if "." in text else 0)
    return _comma(value, places)


def billing_csv(lines, period: dt.date) -> bytes:
    """The additional charges as the billing system takes them: `;`-separated, UTF-8 with BOM, decimal comma,
    CRLF; columns account_number; service; period (YYYY-MM); volume_m3 (3 decimals); tariff; amount (2 decimals);
    rule (average or norm for an estimate; recalculation for a real reading after estimates, negative when it
    credits back); quality (estimated; actual or corrected for the reading a recalculation follows). Written by
    core.export, like every download (no cell can become a formula)."""
    rows = [(line.account_number, "hot_water", f"{period:%Y-%m}", export.Number(_comma(line.volume, 3)),
             export.Number(_tariff_text(line.tariff)), export.Number(_comma(line.amount, 2)), line.rule, line.quality)
            for line in lines]
    return export.csv_bytes(BILLING_HEADER, rows)
