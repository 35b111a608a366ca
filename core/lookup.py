"""Staff account look-up: find an account by number or address, then everything about it on one screen."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session, sessionmaker

from core.errors import DomainError
from core.queries import lowered, rows_as
from core.statements import Statement, statement
from db.models import (
    Account,
    AdditionalCharge,
    AuditLog,
    ConsumerAccountLink,
    ConsumerLogin,
    Meter,
    Reading,
    ReadingWindow,
)

MAX_HITS = 50
ACCOUNT_NUMBER_DIGITS = 13


@dataclass(frozen=True)
class AccountHit:
    account_id: int
    number: str
    address: str


@dataclass(frozen=True)
class ReadingLine:
    period: dt.date | None
    meter_serial: str
    value: Decimal
    consumption: Decimal
    submitted_at: dt.datetime
    channel: str
    status: str
    quality: str
    flagged: bool
    flag_reason: str | None
    receipt_number: str
    reading_id: int = 0


@dataclass(frozen=True)
class LoginLine:
    login: str
    method: str
    linked_at: dt.datetime
    last_login_at: dt.datetime | None


@dataclass(frozen=True)
class EstimateLine:
    period: dt.date
    meter_serial: str
    rule: str
    volume: Decimal
    amount: Decimal


@dataclass(frozen=True)
class AuditLine:
    at: dt.datetime
    actor_type: str
    actor: str
    action: str
    entity: str
    entity_id: str | None
    details: str | None


@dataclass(frozen=True)
class AccountCard:
    statement: Statement
    street: str
    has_heating: bool
    has_hot_water: bool
    meters: list[str]
    readings: list[ReadingLine]
    logins: list[LoginLine]
    estimates: list[EstimateLine]
    audit: list[AuditLine]
    closed_on: dt.date | None = None  # closed in the register: history kept, no new readings or estimates


def find_accounts(sessions: sessionmaker[Session], query: str) -> list[AccountHit]:
    """Digits (spaces and dashes ignored): account numbers starting with them; otherwise address words."""
    text = (query or "").strip()
    if not text:
        return []
    digits = re.sub(r"[\s\-]", "", text)
    condition: ColumnElement[bool] | None
    with sessions() as session:
        if digits.isdigit() and len(digits) >= 4:
            # Numbers are 13 digits: a prefix is the range between its lowest and highest completion, which the
            # unique index on number answers directly (LIKE 'prefix%' cannot use it outside the C collation).
            missing = ACCOUNT_NUMBER_DIGITS - len(digits)
            if missing < 0:
                return []
            condition = Account.number.between(digits + "0" * missing, digits + "9" * missing)
        else:
            words = [w for w in re.split(r"[\s,]+", text) if w]
            condition = None
            address = lowered(session, Account.address)  # Cyrillic too, SQLite's lower() knowing only ASCII
            for word in words:
                clause = address.contains(word.lower(), autoescape=True)
                condition = clause if condition is None else condition & clause
            if condition is None:
                return []
        return rows_as(
            session,
            AccountHit,
            select(Account.id, Account.number, Account.address)
            .where(condition)
            .order_by(Account.street, Account.number)
            .limit(MAX_HITS),
        )


def account_card(sessions: sessionmaker[Session], account_id: int, audit_limit: int = 200) -> AccountCard:
    with sessions() as session:
        account = session.get(Account, account_id)
        if account is None:
            raise DomainError("lookup.not_found")
        meters = session.execute(select(Meter.id, Meter.serial).where(Meter.account_id == account_id)).all()
        serials = {m.id: m.serial for m in meters}
        readings = [
            ReadingLine(
                period,
                serials[meter_id],
                value,
                consumption,
                at,
                channel,
                status,
                quality,
                flagged,
                reason,
                receipt,
                reading_id,
            )
            for meter_id, period, value, consumption, at, channel, status, quality, flagged, reason, receipt, reading_id in session.execute(
                select(
                    Reading.meter_id,
                    ReadingWindow.period,
                    Reading.value,
                    Reading.consumption,
                    Reading.submitted_at,
                    Reading.channel,
                    Reading.status,
                    Reading.quality,
                    Reading.flagged,
                    Reading.flag_reason,
                    Reading.receipt_number,
                    Reading.id,
                )
                .outerjoin(ReadingWindow, ReadingWindow.id == Reading.window_id)
                .where(Reading.meter_id.in_(list(serials)))
                .order_by(Reading.submitted_at.desc(), Reading.id.desc())
            )
        ]
        logins = rows_as(
            session,
            LoginLine,
            select(
                ConsumerLogin.login,
                ConsumerAccountLink.method,
                ConsumerAccountLink.linked_at,
                ConsumerLogin.last_login_at,
            )
            .join(ConsumerLogin, ConsumerLogin.id == ConsumerAccountLink.login_id)
            .where(ConsumerAccountLink.account_id == account_id)
            .order_by(ConsumerAccountLink.linked_at),
        )
        estimates = [
            EstimateLine(period, serials.get(meter_id, ""), rule, volume, amount)
            for period, meter_id, rule, volume, amount in session.execute(
                select(
                    ReadingWindow.period,
                    AdditionalCharge.meter_id,
                    AdditionalCharge.rule,
                    AdditionalCharge.volume,
                    AdditionalCharge.amount,
                )
                .join(ReadingWindow, ReadingWindow.id == AdditionalCharge.window_id)
                .where(AdditionalCharge.account_id == account_id)
                .order_by(ReadingWindow.period.desc())
            )
        ]
        login_ids = [
            str(i)
            for i in session.scalars(
                select(ConsumerAccountLink.login_id).where(ConsumerAccountLink.account_id == account_id)
            )
        ]
        condition = or_(
            and_(AuditLog.entity == "account", AuditLog.entity_id == account.number),
            and_(AuditLog.entity == "meter", AuditLog.entity_id.in_(list(serials.values()))),
            and_(AuditLog.entity == "consumer_login", AuditLog.entity_id.in_(login_ids)),
            and_(AuditLog.actor_type == "consumer", AuditLog.actor.in_([line.login for line in logins])),
        )
        audit = rows_as(
            session,
            AuditLine,
            select(
                AuditLog.at,
                AuditLog.actor_type,
                AuditLog.actor,
                AuditLog.action,
                AuditLog.entity,
                AuditLog.entity_id,
                AuditLog.details,
            )
            .where(condition)
            .order_by(AuditLog.at.desc(), AuditLog.id.desc())
            .limit(audit_limit),
        )
        return AccountCard(
            statement(session, account_id),
            account.street,
            account.has_heating,
            account.has_hot_water,
            list(serials.values()),
            readings,
            logins,
            estimates,
            audit,
            account.closed_on,
        )
