"""The reconciliation report for staff: the registry rows that need a look, the cabinet payments the bank has not
(yet) reported, and the payments the provider reversed, over a period of Kyiv days.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import Session, aliased, sessionmaker

from core import clock
from db.models import Account, Payment, PaymentIntent, RegistryMatch


@dataclass(frozen=True)
class RegistryIssue:
    """A registry row staff should look at; its money was credited as the row says unless `credited` is False."""

    paid_at: dt.datetime
    account_number: str
    service: str
    amount: Decimal
    source: str
    external_ref: str
    order_id: str | None
    issue: str
    credited: bool
    import_batch_id: int | None


@dataclass(frozen=True)
class UnconfirmedPayment:
    """Paid through the cabinet (by the provider's callback) but in no bank registry imported so far."""

    paid_at: dt.datetime
    order_id: str
    account_number: str
    service: str
    amount: Decimal
    provider: str


@dataclass(frozen=True)
class Reversal:
    """A reversing entry: money credited earlier and taken back (by the payment provider), never edited away."""

    reversed_at: dt.datetime
    account_number: str
    service: str
    amount: Decimal  # negative: what was taken back
    paid_at: dt.datetime  # when the original payment was credited
    source: str
    external_ref: str  # the original payment's reference (the cabinet's order id)


@dataclass(frozen=True)
class ReconciliationReport:
    since: dt.date
    until: dt.date
    outcomes: dict[str, tuple[int, Decimal]]  # registry rows per outcome: (count, amount)
    cabinet_paid: tuple[int, Decimal]  # intents paid in the period: (count, amount)
    unmatched_rows: list[RegistryIssue]
    unconfirmed_intents: list[UnconfirmedPayment]
    reversals: list[Reversal] = field(default_factory=list)  # reversing entries dated in the period


def _bounds(since: dt.date, until: dt.date) -> tuple[dt.datetime, dt.datetime]:
    return clock.kyiv_midnight(since), clock.kyiv_midnight(until + dt.timedelta(days=1))


def reconciliation_report(
    sessions: sessionmaker[Session], since: dt.date, until: dt.date, limit: int = 1000
) -> ReconciliationReport:
    """For the Kyiv business days since..until (inclusive): registry rows needing a look, and cabinet payments
    the bank has not reported. Counts and sums are computed in SQL; the two lists hold at most `limit` rows."""
    start, end = _bounds(since, until)
    with sessions() as session:
        outcomes = {
            outcome: (count, Decimal(total or 0))
            for outcome, count, total in session.execute(
                select(RegistryMatch.outcome, func.count(), func.sum(RegistryMatch.amount))
                .where(RegistryMatch.paid_at >= start, RegistryMatch.paid_at < end)
                .group_by(RegistryMatch.outcome)
            )
        }
        paid_count, paid_total = session.execute(
            select(func.count(), func.sum(PaymentIntent.amount)).where(
                PaymentIntent.status == "paid", PaymentIntent.paid_at >= start, PaymentIntent.paid_at < end
            )
        ).one()
        issues = [
            RegistryIssue(
                m.paid_at,
                number,
                m.service,
                m.amount,
                m.source,
                m.external_ref,
                m.order_id,
                m.issue,
                m.payment_id is not None,
                m.import_batch_id,
            )
            for m, number in session.execute(
                select(RegistryMatch, Account.number)
                .join(Account, Account.id == RegistryMatch.account_id)
                .where(RegistryMatch.issue.is_not(None), RegistryMatch.paid_at >= start, RegistryMatch.paid_at < end)
                .order_by(RegistryMatch.paid_at, RegistryMatch.id)
                .limit(limit)
            )
        ]
        unconfirmed = [
            UnconfirmedPayment(i.paid_at, i.order_id, number, i.service, i.amount, i.provider)
            for i, number in session.execute(
                select(PaymentIntent, Account.number)
                .join(Account, Account.id == PaymentIntent.account_id)
                .outerjoin(RegistryMatch, and_(RegistryMatch.intent_id == PaymentIntent.id))
                .where(
                    PaymentIntent.status == "paid",
                    PaymentIntent.paid_at >= start,
                    PaymentIntent.paid_at < end,
                    RegistryMatch.id.is_(None),
                    # a payment the provider reversed is listed with the reversals, not as awaiting the bank
                    ~exists().where(Payment.reverses_id == PaymentIntent.payment_id),
                )
                .order_by(PaymentIntent.paid_at, PaymentIntent.id)
                .limit(limit)
            )
        ]
        original = aliased(Payment)
        reversals = [
            Reversal(reversal.paid_at, number, reversal.service, reversal.amount, paid_at, source, ref)
            for reversal, number, paid_at, source, ref in session.execute(
                select(Payment, Account.number, original.paid_at, original.source, original.external_ref)
                .join(original, original.id == Payment.reverses_id)
                .join(Account, Account.id == Payment.account_id)
                .where(Payment.reverses_id.is_not(None), Payment.paid_at >= start, Payment.paid_at < end)
                .order_by(Payment.paid_at, Payment.id)
                .limit(limit)
            )
        ]
    return ReconciliationReport(
        since, until, outcomes, (paid_count, Decimal(paid_total or 0)), issues, unconfirmed, reversals
    )
