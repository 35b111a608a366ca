"""What a monthly receipt says: the utility's requisites (validated for the payment QR code), and per service the
balance carried in, the charge, the payments and the amount due, with the meter readings of the month; read for a
consumer only through a linked account. Rendered as a PDF by core.receipts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from core.clock import add_months, kyiv_midnight, month_start
from core.config import settings
from core.consumers import require_link
from core.errors import DomainError
from core.payment_qr import iban_is_valid, text_is_encodable
from db.models import Account, Charge, Meter, Payment, Reading, ReadingWindow

ZERO = Decimal("0.00")


# ---- the utility's requisites -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Requisites:
    name: str
    edrpou: str
    iban: str


def requisites(name: str | None = None, edrpou: str | None = None, iban: str | None = None) -> Requisites | None:
    """The configured requisites, or None when any is missing or unusable (the receipt then says so, no QR)."""
    configured = settings()
    name = configured.utility_name if name is None else name
    edrpou = configured.utility_edrpou if edrpou is None else edrpou
    iban = configured.utility_iban if iban is None else iban
    name, edrpou, iban = name.strip(), edrpou.strip(), "".join(iban.split()).upper()
    if not name or len(name) > 140 or not text_is_encodable(name):
        return None
    if not (edrpou.isdigit() and len(edrpou) in (8, 10)) or not iban_is_valid(iban):
        return None
    return Requisites(name, edrpou, iban)


# ---- the receipt's data -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceLine:
    service: str
    amount: Decimal  # charged
    discount_percent: Decimal
    discount_amount: Decimal
    to_pay: Decimal  # the month's charge after the discount
    opening: Decimal  # owed before the month (negative: overpaid)
    paid: Decimal  # paid during the month
    volume: Decimal

    @property
    def balance(self) -> Decimal:
        """At the end of the month: positive a debt, negative an overpayment."""
        return self.opening + self.to_pay - self.paid

    @property
    def due(self) -> Decimal:
        return max(self.balance, ZERO)


@dataclass(frozen=True)
class ReadingLine:
    serial: str
    submitted_at: dt.datetime
    value: Decimal
    consumption: Decimal
    quality: str


@dataclass(frozen=True)
class Receipt:
    number: str
    address: str
    month: dt.date
    services: list[ServiceLine]
    readings: list[ReadingLine]


def months_with_charges(sessions: sessionmaker[Session], login_id: int, account_id: int) -> list[dt.date]:
    """The months a receipt can be made for, newest first."""
    with sessions() as session:
        require_link(session, login_id, account_id)
        return list(
            session.scalars(
                select(Charge.month)
                .where(Charge.account_id == account_id)
                .group_by(Charge.month)
                .order_by(Charge.month.desc())
            )
        )


def build(session: Session, account_id: int, month: dt.date) -> Receipt:
    """The month's charges per service with what was owed before and paid during it, summed in SQL."""
    month = month_start(month)
    starts, ends = kyiv_midnight(month), kyiv_midnight(add_months(month, 1))
    number, address = session.execute(select(Account.number, Account.address).where(Account.id == account_id)).one()
    charges = session.execute(
        select(
            Charge.service,
            func.sum(Charge.amount),
            func.max(Charge.discount_percent),
            func.sum(Charge.discount_amount),
            func.sum(Charge.amount_to_pay),
            func.sum(Charge.volume),
        )
        .where(Charge.account_id == account_id, Charge.month == month)
        .group_by(Charge.service)
        .order_by(Charge.service)
    ).all()
    if not charges:
        raise DomainError("receipt.no_charges")
    charged = [Charge.service, Charge.amount_to_pay, Charge.account_id == account_id]
    before = _by_service(session, *charged, Charge.month < month)
    paid = [Payment.service, Payment.amount, Payment.account_id == account_id]
    paid_before = _by_service(session, *paid, Payment.paid_at < starts)
    paid_in = _by_service(session, *paid, Payment.paid_at >= starts, Payment.paid_at < ends)
    services = [
        ServiceLine(
            service,
            amount,
            percent or ZERO,
            discount or ZERO,
            to_pay,
            (before.get(service) or ZERO) - (paid_before.get(service) or ZERO),
            paid_in.get(service) or ZERO,
            volume or ZERO,
        )
        for service, amount, percent, discount, to_pay, volume in charges
    ]
    services.sort(
        key=lambda line: ("heating", "hot_water").index(line.service) if line.service in ("heating", "hot_water") else 9
    )
    readings = [
        ReadingLine(*row)
        for row in session.execute(
            select(Meter.serial, Reading.submitted_at, Reading.value, Reading.consumption, Reading.quality)
            .join(Meter, Meter.id == Reading.meter_id)
            .join(ReadingWindow, ReadingWindow.id == Reading.window_id)
            .where(Meter.account_id == account_id, ReadingWindow.period == month, Reading.status == "accepted")
            .order_by(Meter.serial, Reading.submitted_at)
        )
    ]
    return Receipt(number, address, month, services, readings)


def receipt_for_consumer(sessions: sessionmaker[Session], login_id: int, account_id: int, month: dt.date) -> Receipt:
    with sessions() as session:
        require_link(session, login_id, account_id)
        return build(session, account_id, month)


def _by_service(session: Session, service: Any, amount: Any, *conditions: Any) -> dict[str, Decimal]:
    """The sum of `amount` per `service` (a Charge's or a Payment's columns) over the rows where `conditions` hold."""
    return dict(session.execute(select(service, func.sum(amount)).where(*conditions).group_by(service)).tuples().all())
