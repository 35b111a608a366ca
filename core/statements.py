"""What an account owes and has paid, per service: the consumer's "My account" and the staff look-up."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import Row, or_, select
from sqlalchemy.orm import Session, sessionmaker

from core import clock
from core.consumers import require_link
from core.payment_status import consumer_status
from core.queries import rows_as
from db.models import Account, Charge, Payment, PaymentIntent, Reading, ReadingWindow, Recalculation

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class ChargeLine:
    month: dt.date
    service: str
    volume: Decimal
    tariff: Decimal
    amount: Decimal
    discount_percent: Decimal
    discount_amount: Decimal
    amount_to_pay: Decimal
    # A correction of an import conflict: "reversal" (the corrected row's figures negated), "replacement" (the
    # corrected row) or "reversed" (the original, kept visible); None for an ordinary charge.
    correction: str | None = None


@dataclass(frozen=True)
class PaymentLine:
    paid_at: dt.datetime
    service: str
    amount: Decimal
    channel: str
    status: str = "paid"
    correction: str | None = None  # as ChargeLine.correction

    @property
    def reversal(self) -> bool:
        """A reversing entry (negative): the provider or the bank took the payment back, or staff corrected it."""
        return self.correction == "reversal"


@dataclass(frozen=True)
class ServiceBalance:
    service: str
    charged: Decimal
    paid: Decimal
    latest_charge: ChargeLine | None
    last_payment: PaymentLine | None

    @property
    def balance(self) -> Decimal:
        """Positive: debt; negative: overpayment."""
        return self.charged - self.paid


@dataclass(frozen=True)
class RecalculationEntry:
    """Перерахунок of hot water (DESIGN rule 11): what was charged by estimate before a real reading, what the reading
    shows was used, and the difference billed (positive) or credited back (negative)."""

    period: dt.date  # the window of the real reading
    kind: str  # "recalculation", or "reversal" when a corrected reading undid an earlier one
    quality: str
    estimated_volume: Decimal
    actual_volume: Decimal
    volume: Decimal
    amount: Decimal


@dataclass(frozen=True)
class Statement:
    account_id: int
    number: str
    address: str
    heated_area: Decimal
    residents: int
    services: list[ServiceBalance]
    charges: list[ChargeLine]
    payments: list[PaymentLine]
    pending: list[PaymentLine]
    recalculations: list[RecalculationEntry] = field(default_factory=list)


def statement(session: Session, account_id: int) -> Statement:
    """Columns, not ORM objects, and balances summed over the rows already read: the account page is opened
    by every consumer of the city in the same few days, so it costs four indexed reads."""
    account = session.execute(
        select(
            Account.id,
            Account.number,
            Account.address,
            Account.heated_area,
            Account.residents,
            Account.has_heating,
            Account.has_hot_water,
        ).where(Account.id == account_id)
    ).one()
    charge_rows = session.execute(
        select(
            Charge.month,
            Charge.service,
            Charge.volume,
            Charge.tariff,
            Charge.amount,
            Charge.discount_percent,
            Charge.discount_amount,
            Charge.amount_to_pay,
            Charge.id,
            Charge.reverses_id,
            Charge.replaces_id,
        )
        .where(Charge.account_id == account_id)
        .order_by(Charge.month.desc(), Charge.service, Charge.id.desc())
    ).all()
    reversed_charges = {row.reverses_id for row in charge_rows if row.reverses_id is not None}
    charges = [
        ChargeLine(
            row.month,
            row.service,
            row.volume,
            row.tariff,
            row.amount,
            row.discount_percent,
            row.discount_amount,
            row.amount_to_pay,
            correction=_correction(row, reversed_charges),
        )
        for row in charge_rows
    ]
    payment_rows = session.execute(
        select(
            Payment.paid_at,
            Payment.service,
            Payment.amount,
            Payment.channel,
            Payment.id,
            Payment.reverses_id,
            Payment.replaces_id,
        )
        .where(Payment.account_id == account_id)
        .order_by(Payment.paid_at.desc(), Payment.id.desc())
    ).all()
    reversed_payments = {row.reverses_id for row in payment_rows if row.reverses_id is not None}
    payments = [PaymentLine(*row._tuple()[:4], correction=_correction(row, reversed_payments)) for row in payment_rows]
    pending = [  # status as the consumer reads it: "pending" (the bank reported it in progress) or "unfinished"
        PaymentLine(created_at, service, amount, "cabinet", consumer_status(status, provider_status))
        for created_at, service, amount, status, provider_status in session.execute(
            select(
                PaymentIntent.created_at,
                PaymentIntent.service,
                PaymentIntent.amount,
                PaymentIntent.status,
                PaymentIntent.provider_status,
            )
            .where(
                PaymentIntent.account_id == account_id,
                PaymentIntent.status.in_(("created", "pending")),
                or_(PaymentIntent.expires_at.is_(None), PaymentIntent.expires_at > clock.now()),
            )
            .order_by(PaymentIntent.created_at.desc())
        )
    ]
    recalculations = rows_as(
        session,
        RecalculationEntry,
        select(
            ReadingWindow.period,
            Recalculation.kind,
            Recalculation.quality,
            Recalculation.estimated_volume,
            Recalculation.actual_volume,
            Recalculation.volume,
            Recalculation.amount,
        )
        .join(Reading, Reading.id == Recalculation.reading_id)
        .join(ReadingWindow, ReadingWindow.id == Reading.window_id)
        .where(Recalculation.account_id == account_id)
        .order_by(Recalculation.created_at.desc(), Recalculation.id.desc()),
    )
    charged: dict[str, Decimal] = defaultdict(lambda: ZERO)
    paid: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for charge in charges:
        charged[charge.service] += charge.amount_to_pay
    for payment in payments:
        paid[payment.service] += payment.amount
    offered = [s for s, on in (("heating", account.has_heating), ("hot_water", account.has_hot_water)) if on]
    services = [
        ServiceBalance(
            service,
            charged[service],
            paid[service],
            next((c for c in charges if c.service == service and c.correction in (None, "replacement")), None),
            next((p for p in payments if p.service == service and p.correction in (None, "replacement")), None),
        )
        for service in offered + sorted((set(charged) | set(paid)) - set(offered))
    ]
    return Statement(
        account.id,
        account.number,
        account.address,
        account.heated_area,
        account.residents,
        services,
        charges,
        payments,
        pending,
        recalculations,
    )


def _correction(row: Row[Any], reversed_ids: set[int]) -> str | None:
    if row.reverses_id is not None:
        return "reversal"
    if row.id in reversed_ids:
        return "reversed"
    return "replacement" if row.replaces_id is not None else None


def statement_for_consumer(sessions: sessionmaker[Session], login_id: int, account_id: int) -> Statement:
    with sessions() as session:
        require_link(session, login_id, account_id)
        return statement(session, account_id)
