"""Balance snapshots: per account and service, the charges and payments before a month, summed once.

The total debt sums positive balances over every account and service since 2019 (18 million rows at 80,000
accounts, seconds of work). History before last month rarely changes, so a snapshot taken at the start of last
month (nightly: `manage.py balances`, and after the demo) leaves only the recent months to add. An import that
writes a charge for a month before the snapshot, or a payment dated before it, drops the snapshot, and the
debt is summed from the rows again until the next rebuild: it is never stale.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, func, insert, literal, select, union_all
from sqlalchemy.orm import Session, sessionmaker

from core import clock
from core.clock import KYIV, add_months, kyiv_midnight, month_start
from db.models import BalanceSnapshot, Charge, Payment


def snapshot_month(session: Session) -> dt.date | None:
    return session.scalar(select(func.max(BalanceSnapshot.as_of)))


def default_month(now: dt.datetime) -> dt.date:
    """The start of last month: the overview compares today's debt with a month ago, both after it."""
    return add_months(month_start(now.astimezone(KYIV).date()), -1)


def rebuild(sessions: sessionmaker[Session], as_of: dt.date | None = None, now: dt.datetime | None = None) -> int:
    """Replace the snapshot with one taken at `as_of` (default: the start of last month); returns its rows."""
    now = now or clock.now()
    # Never later than this month: a payment credited now must land after the snapshot, not inside it.
    as_of = min(month_start(as_of or default_month(now)), month_start(now.astimezone(KYIV).date()))
    charged = (
        select(
            Charge.account_id, Charge.service, func.sum(Charge.amount_to_pay).label("charged"), literal(0).label("paid")
        )
        .where(Charge.month < as_of)
        .group_by(Charge.account_id, Charge.service)
    )
    paid = (
        select(Payment.account_id, Payment.service, literal(0), func.sum(Payment.amount))
        .where(Payment.paid_at < kyiv_midnight(as_of))
        .group_by(Payment.account_id, Payment.service)
    )
    movements = union_all(charged, paid).subquery()
    from core.jobs import lock

    with sessions.begin() as session:
        lock(session, "balances")  # two rebuilds at once would both insert the same snapshot rows
        session.execute(delete(BalanceSnapshot))
        session.execute(
            insert(BalanceSnapshot).from_select(
                ["as_of", "account_id", "service", "charged", "paid"],
                select(
                    literal(as_of, BalanceSnapshot.as_of.type),
                    movements.c.account_id,
                    movements.c.service,
                    func.sum(movements.c.charged),
                    func.sum(movements.c.paid),
                ).group_by(movements.c.account_id, movements.c.service),
            )
        )
        return session.scalar(select(func.count()).select_from(BalanceSnapshot)) or 0


def written_before(session: Session, *, month: dt.date | None = None, moment: dt.datetime | None = None) -> None:
    """Called by whatever writes charges or payments with the earliest month or payment time it wrote: a snapshot
    taken after that would leave the rows out, so it is dropped in the same transaction."""
    as_of = snapshot_month(session)
    if as_of is None:
        return
    if (month is not None and month < as_of) or (moment is not None and moment < kyiv_midnight(as_of)):
        session.execute(delete(BalanceSnapshot))
