"""Month-by-month totals of an account (charges to pay vs payments), summed in SQL for the consumer's chart."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import ColumnElement, Integer, case, cast, func, select
from sqlalchemy.orm import Session

from core.clock import KYIV
from core.statements import Statement
from db.models import Charge, Payment

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class MonthTotal:
    month: dt.date  # the first day of the month
    charged: Decimal  # amount to pay, after any discount, all services
    paid: Decimal  # payments made in that month (Kyiv time), all services


def _payment_month(session: Session) -> ColumnElement[str]:
    """The Kyiv calendar month of Payment.paid_at as 'YYYY-MM', in the database's own dialect."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("Europe/Kyiv", Payment.paid_at), "YYYY-MM")
    # SQLite keeps naive UTC: Kyiv is UTC+3 in summer time (April-October) and UTC+2 otherwise.
    summer = cast(func.strftime("%m", Payment.paid_at), Integer).between(4, 10)
    return func.strftime("%Y-%m", Payment.paid_at, case((summer, "+3 hours"), else_="+2 hours"))


def monthly_totals(session: Session, account_id: int, since: dt.date | None = None) -> list[MonthTotal]:
    """Every month with a charge or a payment, oldest first."""
    charge_query = select(Charge.month, func.sum(Charge.amount_to_pay)).where(Charge.account_id == account_id)
    if since is not None:
        charge_query = charge_query.where(Charge.month >= since)
    charged = {month: Decimal(total) for month, total in session.execute(charge_query.group_by(Charge.month))}
    bucket = _payment_month(session).label("bucket")
    payment_query = select(bucket, func.sum(Payment.amount)).where(Payment.account_id == account_id).group_by(bucket)
    paid: dict[dt.date, Decimal] = {}
    for text, total in session.execute(payment_query):
        month = dt.date(int(text[:4]), int(text[5:7]), 1)
        if since is None or month >= since:
            paid[month] = Decimal(total)
    return [
        MonthTotal(month, charged.get(month, ZERO), paid.get(month, ZERO)) for month in sorted(set(charged) | set(paid))
    ]


def monthly_totals_of(statement: Statement, since: dt.date | None = None) -> list[MonthTotal]:
    """The same totals from a statement already read, so the account page's chart costs no query."""
    charged: dict[dt.date, Decimal] = defaultdict(lambda: ZERO)
    paid: dict[dt.date, Decimal] = defaultdict(lambda: ZERO)
    for charge in statement.charges:
        if since is None or charge.month >= since:
            charged[charge.month] += charge.amount_to_pay
    for payment in statement.payments:
        month = payment.paid_at.astimezone(KYIV).date().replace(day=1)
        if since is None or month >= since:
            paid[month] += payment.amount
    return [MonthTotal(month, charged[month], paid[month]) for month in sorted(set(charged) | set(paid))]
