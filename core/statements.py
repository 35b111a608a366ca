"""What an account owes and has paid, per service: the consumer's "My account" and the staff look-up."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from core import clock
from core.consumers import require_link
from db.models import Account, Charge, Payment, PaymentIntent

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


@dataclass(frozen=True)
class PaymentLine:
    paid_at: dt.datetime
    service: str
    amount: Decimal
    channel: str
    status: str = "paid"


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


def balances(session: Session, account_id: int) -> dict[str, tuple[Decimal, Decimal]]:
    """(charged, paid) per service, summed in SQL."""
    charged = dict(
        session.execute(
            select(Charge.service, func.sum(Charge.amount_to_pay)).where(Charge.account_id == account_id).group_by(Charge.service)
        ).all()
    )
    paid = dict(
        session.execute(
            select(Payment.service, func.sum(Payment.amount)).where(Payment.account_id == account_id).group_by(Payment.service)
        ).all()
    )
    return {s: (Decimal(charged.get(s) or ZERO), Decimal(paid.get(s) or ZERO)) for s in set(charged) | set(paid)}


def statement(session: Session, account_id: int) -> Statement:
    account = session.get_one(Account, account_id)
    charges = [
        ChargeLine(c.month, c.service, c.volume, c.tariff, c.amount, c.discount_percent, c.discount_amount, c.amount_to_pay)
        for c in session.scalars(
            select(Charge).where(Charge.account_id == account_id).order_by(Charge.month.desc(), Charge.service)
        )
    ]
    payments = [
        PaymentLine(p.paid_at, p.service, p.amount, p.channel)
        for p in session.scalars(
            select(Payment).where(Payment.account_id == account_id).order_by(Payment.paid_at.desc(), Payment.id.desc())
        )
    ]
    pending = [
        PaymentLine(i.created_at, i.service, i.amount, "cabinet", i.status)
        for i in session.scalars(
            select(PaymentIntent)
            .where(PaymentIntent.account_id == account_id, PaymentIntent.status.in_(("created", "pending")),
                   or_(PaymentIntent.expires_at.is_(None), PaymentIntent.expires_at > clock.now()))
            .order_by(PaymentIntent.created_at.desc())
        )
    ]
    totals = balances(session, account_id)
    services = []
    offered = [s for s, on in (("heating", account.has_heating), ("hot_water", account.has_hot_water)) if on]
    for service in offered + [s for s in totals if s not in offered]:
        charged, paid = totals.get(service, (ZERO, ZERO))
        services.append(
            ServiceBalance(
                service, charged, paid,
                next((c for c in charges if c.service == service), None),
                next((p for p in payments if p.service == service), None),
            )
        )
    return Statement(account.id, account.number, account.address, account.heated_area, account.residents,
                     services, charges, payments, pending)


def statement_for_consumer(sessions: sessionmaker[Session], login_id: int, account_id: int) -> Statement:
    with sessions() as session:
        require_link(session, login_id, account_id)
        return statement(session, account_id)
