"""Staff account look-up: find an account by number or address, then everything about it on one screen."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, literal, or_, select, union_all
from sqlalchemy.orm import Session, sessionmaker

from core.consumers import LOGIN_SCOPE, REGISTER_SCOPE
from core.errors import DomainError
from core.password_reset import RESET_SCOPE
from core.queries import lowered, rows_as
from core.statements import Statement, statement
from db.models import (
    Account,
    AdditionalCharge,
    AuditLog,
    ConsumerAccountLink,
    ConsumerLogin,
    Meter,
    Payment,
    PaymentIntent,
    Reading,
    ReadingWindow,
    compact_serial,
)

MAX_HITS = 50
ACCOUNT_NUMBER_DIGITS = 13
MIN_NUMBER_DIGITS = 4  # fewer digits than this are part of an address (a house or a flat), never a number alone
# Words staff type before a number to say what it is; the words themselves are not looked for in the address.
FLAT_WORDS = frozenset({"кв", "квартира", "flat", "apt"})
HOUSE_WORDS = frozenset({"буд", "будинок", "б", "д", "house"})
# «20/17»: a split building number, or, as it is usually written, house 20 flat 17.
HOUSE_FLAT = re.compile(r"(\d+[^\W\d_]?)/(\d+)")


@dataclass(frozen=True)
class AccountHit:
    account_id: int
    number: str
    address: str
    meter_serial: str | None = None  # the meter whose number was typed, when the account was found by it
    meter_removed_on: dt.date | None = None  # that meter taken off the account: the consumer reads an old one


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
    login: str | None = None  # a cabinet login's own event (shared by all its accounts): that login


@dataclass(frozen=True)
class MeterLine:
    serial: str
    removed_on: dt.date | None = None  # taken off the account: its readings stay in the history


@dataclass(frozen=True)
class AccountCard:
    statement: Statement
    street: str
    has_heating: bool
    has_hot_water: bool
    meters: list[MeterLine]  # the current ones first, then the removed ones, the latest removal first
    readings: list[ReadingLine]
    logins: list[LoginLine]
    estimates: list[EstimateLine]
    audit: list[AuditLine]
    closed_on: dt.date | None = None  # closed in the register: history kept, no new readings or estimates


def _journal(session: Session, account: Account, serials: list[str], limit: int) -> list[AuditLine]:
    """The account's actions journal, newest first: what was done to the account, its meters and its payments
    (the cabinet's payment steps and the provider's and the bank registry's answers), the failed proofs of the
    account, and the events of the cabinet logins linked to it, marked with the login (a password change, reminders,
    failed sign-ins: shared by all the login's accounts). What a login did on its other accounts is theirs."""
    linked: dict[int, str] = {
        row.id: row.login
        for row in session.execute(
            select(ConsumerLogin.id, ConsumerLogin.login)
            .join(ConsumerAccountLink, ConsumerAccountLink.login_id == ConsumerLogin.id)
            .where(ConsumerAccountLink.account_id == account.id)
        )
    }
    by_name = {login[:40]: login for login in linked.values()}  # core.throttle keeps 40 characters of the key
    orders = union_all(
        select(PaymentIntent.order_id).where(PaymentIntent.account_id == account.id),
        # a cabinet payment is known by its order id (the demo history has no intents behind its payments)
        select(Payment.external_ref).where(Payment.account_id == account.id, Payment.channel == "cabinet"),
    )
    condition = or_(
        and_(AuditLog.entity.in_(["account", REGISTER_SCOPE]), AuditLog.entity_id == account.number),
        and_(AuditLog.entity == "meter", AuditLog.entity_id.in_(serials)),
        and_(AuditLog.entity == "payment_intent", AuditLog.entity_id.in_(orders)),
        and_(AuditLog.entity == "consumer_login", AuditLog.entity_id.in_([str(i) for i in linked])),
        and_(AuditLog.entity.in_([LOGIN_SCOPE, RESET_SCOPE]), AuditLog.entity_id.in_(list(by_name))),
    )
    rows = session.execute(
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
        .limit(limit)
    ).all()

    def login_of(entity: str, entity_id: str | None) -> str | None:
        if entity == "consumer_login" and entity_id and entity_id.isdigit():
            return linked.get(int(entity_id))
        if entity in (LOGIN_SCOPE, RESET_SCOPE):
            return by_name.get(entity_id or "")
        return None

    return [
        AuditLine(at, actor_type, actor, action, entity, entity_id, details, login_of(entity, entity_id))
        for at, actor_type, actor, action, entity, entity_id, details in rows
    ]


def find_accounts(sessions: sessionmaker[Session], query: str) -> list[AccountHit]:
    """What staff type on the phone: an account or meter number (at least 4 digits, spaces and dashes ignored, the
    start of it is enough, and for an account number its end too), or address words in any case, where bare
    numbers are the house and then the flat, and «20/17» is house 20 flat 17 or the split building 20/17.
    A short number alone would match half the town, so it is refused with a hint instead."""
    text = (query or "").strip()
    if not text:
        return []
    compact, words = _number_and_words(text)
    if not words:
        return []
    by_number = compact.isalnum() and sum(c.isdigit() for c in compact) >= MIN_NUMBER_DIGITS
    by_address = len(words) > 1 or not words[0].isdigit()
    if not by_number and not by_address:
        raise DomainError("lookup.short_number", digits=MIN_NUMBER_DIGITS)
    with sessions() as session:
        hits: dict[int, AccountHit] = {}
        if by_number:
            for hit in _by_account_number(session, compact) + _by_meter(session, compact):
                hits.setdefault(hit.account_id, hit)
        if by_address and (condition := _address(session, words)) is not None:
            for hit in rows_as(session, AccountHit, _hits(condition)):
                hits.setdefault(hit.account_id, hit)
        return list(hits.values())[:MAX_HITS]


def hint_applies(query: str) -> bool:
    """Whether a look-up that found nothing should say what to type: no street and no number of 4+ digits was
    typed, only a house or flat number (or a marker such as «кв»)."""
    compact, words = _number_and_words(query or "")
    if compact.isdigit() and len(compact) >= MIN_NUMBER_DIGITS:
        return False
    return all(w.isdigit() or w in FLAT_WORDS or w in HOUSE_WORDS or HOUSE_FLAT.fullmatch(w) for w in words)


def _number_and_words(query: str) -> tuple[str, list[str]]:
    """The query as one number (spaces and dashes dropped) and as lower-case words (with a letter or a digit)."""
    words = [w for w in re.split(r"[\s,.;]+", query.lower()) if any(c.isalnum() for c in w)]
    return re.sub(r"[\s\-]", "", query), words


def _hits(condition: ColumnElement[bool], by_street: bool = True) -> Select[Any]:
    """The first accounts meeting `condition`: by street and number for an address, by number for a number.
    An address's accounts are found first and then sorted (OFFSET 0 keeps them a subquery PostgreSQL does not
    merge): left to choose, it walked the street index in order, testing every address until it had 50, and a
    street far down the alphabet read the whole table (0.2 s for «Відродження» at 80,000 accounts)."""
    if not by_street:
        return (
            select(Account.id, Account.number, Account.address)
            .where(condition)
            .order_by(Account.number)
            .limit(MAX_HITS)
        )
    found = select(Account.id, Account.number, Account.address, Account.street).where(condition).offset(0).subquery()
    return select(found.c.id, found.c.number, found.c.address).order_by(found.c.street, found.c.number).limit(MAX_HITS)


def _by_account_number(session: Session, digits: str) -> list[AccountHit]:
    """Accounts whose number starts or ends with `digits` (staff read out the last digits as often as the first),
    the ones it starts with first. Numbers are 13 digits: a prefix is the range between its lowest and highest
    completion (LIKE 'prefix%' cannot use the index outside the C collation), and so is an end, of the reversed
    number on PostgreSQL (its index ix_accounts_number_reversed); SQLite reads the number column whole."""
    missing = ACCOUNT_NUMBER_DIGITS - len(digits)
    if not digits.isdigit() or missing < 0:
        return []
    starts = Account.number.between(digits + "0" * missing, digits + "9" * missing)
    if not missing:
        return rows_as(session, AccountHit, _hits(starts, by_street=False))
    if session.get_bind().dialect.name == "postgresql":
        backwards = digits[::-1]
        ends = func.reverse(Account.number).between(backwards + "0" * missing, backwards + "9" * missing) & ~starts
    else:
        ends = Account.number.endswith(digits, autoescape=True) & ~starts
    # Two branches of one statement, so the prefix keeps its index range scan; the prefix's accounts first.
    found = union_all(
        select(literal(0).label("rank"), Account.id, Account.number, Account.address).where(starts),
        select(literal(1).label("rank"), Account.id, Account.number, Account.address).where(ends),
    ).subquery()
    return rows_as(
        session,
        AccountHit,
        select(found.c.id, found.c.number, found.c.address).order_by(found.c.rank, found.c.number).limit(MAX_HITS),
    )


def _by_meter(session: Session, number: str) -> list[AccountHit]:
    """Accounts with a meter, current or removed, whose serial starts with `number` (case, spaces and dashes in
    the stored serial ignored; on PostgreSQL through the index of that form, ix_meters_serial_compact); the exact
    serial first."""
    serial = compact_serial(Meter.serial)
    wanted = number.upper()
    return rows_as(
        session,
        AccountHit,
        select(Account.id, Account.number, Account.address, Meter.serial, Meter.removed_on)
        .join(Meter, Meter.account_id == Account.id)
        .where(serial.startswith(wanted, autoescape=True))
        .order_by(serial != wanted, Meter.removed_on.is_not(None), Account.street, Account.number)
        .limit(MAX_HITS),
    )


def _address(session: Session, words: list[str]) -> ColumnElement[bool] | None:
    """Every word in the address; numbers in the order an address is said, the house then the flat, unless a word
    before one says which («кв 5», «буд 20»)."""
    address = lowered(session, Account.address)  # Cyrillic too, SQLite's lower() knowing only ASCII
    clauses: list[ColumnElement[bool]] = []
    after: str | None = None
    house_said = False
    for word in words:
        if word in FLAT_WORDS or word in HOUSE_WORDS:
            after = word
            continue
        if split := HOUSE_FLAT.fullmatch(word):
            house, flat = split.groups()
            clauses.append(or_(Account.building == word, and_(Account.building == house, Account.flat == flat)))
            house_said = True
        elif not word.isdigit():
            clauses.append(address.contains(word, autoescape=True))
        elif after in FLAT_WORDS or (after is None and house_said):
            clauses.append(Account.flat == word)
        else:
            clauses.append(_house(word))
            house_said = True
        after = None
    return and_(*clauses) if clauses else None


def _house(number: str) -> ColumnElement[bool]:
    """House `number` and its lettered or split neighbours (20, 20а, 20/1), not 200."""
    return or_(
        Account.building == number,
        and_(
            Account.building.startswith(number, autoescape=True),
            func.substr(Account.building, len(number) + 1, 1).not_in(list("0123456789")),
        ),
    )


def account_card(sessions: sessionmaker[Session], account_id: int, audit_limit: int = 200) -> AccountCard:
    with sessions() as session:
        account = session.get(Account, account_id)
        if account is None:
            raise DomainError("lookup.not_found")
        meters = session.execute(
            select(Meter.id, Meter.serial, Meter.removed_on)
            .where(Meter.account_id == account_id)
            .order_by(Meter.removed_on.is_not(None), Meter.removed_on.desc(), Meter.installed_on.desc(), Meter.id)
        ).all()
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
        audit = _journal(session, account, list(serials.values()), audit_limit)
        return AccountCard(
            statement(session, account_id),
            account.street,
            account.has_heating,
            account.has_hot_water,
            [MeterLine(m.serial, m.removed_on) for m in meters],
            readings,
            logins,
            estimates,
            audit,
            account.closed_on,
        )
