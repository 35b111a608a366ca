"""The total debt: every account's positive balance per service, summed (an overpayment does not cancel someone
else's debt).

Now: one row per account and service from the balances each money write keeps (core.rollups, AccountBalance).
At an earlier moment: those balances less what was written for after it, and a charge counts once its month has
ended (the billing month stands for when it was billed). The overview compares today's debt with the start of the
same day a month ago; that figure reads the movements of a month, seconds of work at a million accounts, so it is
summed once and recorded (DebtRecord). A charge or payment written for before a recorded moment drops the record
in its own transaction, so a record is never stale; the nightly job (`manage.py balances`) records tomorrow's
figure before anyone asks for it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import case, delete, func, select, union_all
from sqlalchemy.orm import Session, sessionmaker

from core import clock
from core.clock import KYIV, add_months, kyiv_midnight, month_start
from core.formatting import half_up
from core.jobs import record_lock
from db.models import AccountBalance, Charge, DebtRecord, Payment


def _money(value: Decimal | int | None) -> Decimal:
    return half_up(value or 0, 2)


def current_debt(session: Session) -> Decimal:
    """Every charge written less every payment, per account and service: what each consumer's page shows."""
    balance = AccountBalance.charged - AccountBalance.paid
    return _money(session.scalar(select(func.sum(case((balance > 0, balance), else_=0)))))


def debts_at(session: Session, *moments: dt.datetime) -> list[Decimal]:
    """Total debt at each moment: per account and service, the charges for months that ended by then minus the
    payments received by then. The balances kept now, less the movements after the earliest moment: one pass
    over the balances and over the charges and payments since, whatever the length of the history."""
    names = [f"b{index}" for index in range(len(moments))]
    months = [month_start(at.astimezone(KYIV).date()) for at in moments]
    later_charges = (
        select(
            Charge.account_id.label("account_id"),
            Charge.service.label("service"),
            *[-func.sum(case((Charge.month >= month, Charge.amount_to_pay), else_=0)) for month in months],
        )
        .where(Charge.month >= min(months))
        .group_by(Charge.account_id, Charge.service)
    )
    later_payments = (
        select(
            Payment.account_id,
            Payment.service,
            *[func.sum(case((Payment.paid_at >= at, Payment.amount), else_=0)) for at in moments],
        )
        .where(Payment.paid_at >= min(moments))
        .group_by(Payment.account_id, Payment.service)
    )
    now = select(
        AccountBalance.account_id.label("account_id"),
        AccountBalance.service.label("service"),
        *[(AccountBalance.charged - AccountBalance.paid).label(name) for name in names],
    )
    movements = union_all(now, later_charges, later_payments).subquery()
    balance = (
        select(*[func.sum(movements.c[name]).label(name) for name in names])
        .group_by(movements.c.account_id, movements.c.service)
        .subquery()
    )
    totals = select(*[func.sum(case((balance.c[name] > 0, balance.c[name]), else_=0)) for name in names])
    return [_money(value) for value in session.execute(totals).one()]


def compared_day(now: dt.datetime) -> dt.date:
    """The day whose start the overview compares today's debt with: the same day of last month, or its last day
    when last month is shorter."""
    today = now.astimezone(KYIV).date()
    this_month = month_start(today)
    return min(add_months(this_month, -1) + dt.timedelta(days=today.day - 1), this_month - dt.timedelta(days=1))


def debt_at_start_of(sessions: sessionmaker[Session], day: dt.date, now: dt.datetime | None = None) -> Decimal:
    """The total debt at the start of `day`, from its record, or summed and recorded."""
    with sessions() as session:
        recorded = session.scalar(select(DebtRecord.debt).where(DebtRecord.day == day))
    if recorded is not None:
        return recorded
    with sessions.begin() as session:
        record_lock(session, "debt", shared=False)
        recorded = session.scalar(select(DebtRecord.debt).where(DebtRecord.day == day))
        if recorded is not None:  # recorded while this waited for the lock
            return recorded
        [debt] = debts_at(session, kyiv_midnight(day))
        session.add(DebtRecord(day=day, debt=debt, recorded_at=now or clock.now()))
        return debt


def record(sessions: sessionmaker[Session], now: dt.datetime | None = None) -> list[dt.date]:
    """The nightly job: record the figures today's and tomorrow's overview compare with; returns their days."""
    now = now or clock.now()
    days = sorted({compared_day(now), compared_day(now + dt.timedelta(days=1))})
    for day in days:
        debt_at_start_of(sessions, day, now)
    with sessions.begin() as session:  # records no overview will ask for again
        session.execute(delete(DebtRecord).where(DebtRecord.day < add_months(days[0], -1)))
    return days


def written_before(session: Session, *, month: dt.date | None = None, moment: dt.datetime | None = None) -> None:
    """Called by whatever writes charges or payments with the earliest month or payment time it wrote: the
    records of the moments it changes are dropped in the same transaction (summed again when next asked for)."""
    days = []
    if month is not None:  # a charge counts from the first day after its month
        days.append(add_months(month_start(month), 1))
    if moment is not None:  # a payment counts at every midnight after it
        days.append(moment.astimezone(KYIV).date() + dt.timedelta(days=1))
    if not days:
        return
    record_lock(session, "debt", shared=True)
    session.execute(delete(DebtRecord).where(DebtRecord.day >= min(days)))
