"""The staff payments page's numbers: money received per day/week/month, service and channel, and per month
against the bill due. Aggregates in SQL, as everywhere in core.dashboard.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from core.clock import add_months, kyiv_midnight, month_start
from core.dashboard import ZERO, _money, kyiv_bucket, percent, prepare
from db.models import Charge, Payment


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
    """Payments received from `first` to `last` (Kyiv days, inclusive) per day/week/month, service and channel."""
    with sessions() as session:
        prepare(session)
        bucket = kyiv_bucket(session, Payment.paid_at, unit)
        query = (
            select(bucket, Payment.service, Payment.channel, func.sum(Payment.amount), func.count())
            .where(
                Payment.paid_at >= kyiv_midnight(first), Payment.paid_at < kyiv_midnight(last + dt.timedelta(days=1))
            )
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
