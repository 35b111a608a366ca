"""The staff payments page's numbers: money received per day/week/month, service and channel, and per month
against the bill due, read from the day and month totals that core.rollups keeps.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from core.clock import add_months, month_start
from core.dashboard import UNITS, ZERO, _money, bucket_start, percent
from db.models import ChargeMonthTotal, PaymentDayTotal


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
    sessions: sessionmaker[Session],
    first: dt.date,
    last: dt.date,
    unit: str = "month",
    service: str | None = None,
    channel: str | None = None,
) -> list[InflowRow]:
    """Payments received from `first` to `last` (Kyiv days, inclusive) per day/week/month, service and channel,
    from the day totals (core.rollups): a few rows per day, whatever the number of payments."""
    if unit not in UNITS:
        raise ValueError(unit)
    query = select(
        PaymentDayTotal.day,
        PaymentDayTotal.service,
        PaymentDayTotal.channel,
        PaymentDayTotal.amount,
        PaymentDayTotal.payments,
    ).where(PaymentDayTotal.day >= first, PaymentDayTotal.day <= last)
    if service:
        query = query.where(PaymentDayTotal.service == service)
    if channel:
        query = query.where(PaymentDayTotal.channel == channel)
    with sessions() as session:
        days = session.execute(query).all()
    totals: dict[tuple[dt.date, str, str], tuple[Decimal, int]] = {}
    for day, service_, channel_, day_amount, day_payments in days:
        key = (bucket_start(day, unit), service_, channel_)
        amount, count = totals.get(key, (ZERO, 0))
        totals[key] = (amount + day_amount, count + day_payments)
    return [InflowRow(b, s, c, _money(a), n) for (b, s, c), (a, n) in sorted(totals.items())]


def payments_against_charges(
    sessions: sessionmaker[Session], first: dt.date, last: dt.date, service: str | None = None
) -> list[MonthBalance]:
    """Per month from `first` to `last`: the payments received and the bill due that month (previous month's
    charges to pay), the pair behind the collection rate; both from the totals of core.rollups."""
    first, last = month_start(first), month_start(last)
    paid_query = select(PaymentDayTotal.day, PaymentDayTotal.amount).where(
        PaymentDayTotal.day >= first, PaymentDayTotal.day < add_months(last, 1)
    )
    charged_query = (
        select(ChargeMonthTotal.month, func.sum(ChargeMonthTotal.amount_to_pay))
        .where(ChargeMonthTotal.month >= add_months(first, -1), ChargeMonthTotal.month <= add_months(last, -1))
        .group_by(ChargeMonthTotal.month)
    )
    if service:
        paid_query = paid_query.where(PaymentDayTotal.service == service)
        charged_query = charged_query.where(ChargeMonthTotal.service == service)
    paid: dict[dt.date, Decimal] = {}
    with sessions() as session:
        for day, amount in session.execute(paid_query):
            paid[month_start(day)] = paid.get(month_start(day), ZERO) + amount
        charged = {add_months(m, 1): _money(a) for m, a in session.execute(charged_query)}
    months, month = [], first
    while month <= last:
        months.append(MonthBalance(month, _money(paid.get(month, ZERO)), charged.get(month, ZERO)))
        month = add_months(month, 1)
    return months
