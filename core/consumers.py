"""Consumer registration, login and the accounts linked to a login (DESIGN section 2, rules 1-3)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, aliased, sessionmaker

from core import audit, clock, consumer_sessions, throttle
from core.errors import AccessDenied, DomainError, VerificationFailed
from core.i18n import LANGUAGES
from core.parsing import parse_account_number, parse_amount, parse_login
from core.passwords import check_policy, dummy_hash, hash_password, needs_rehash, verify_password
from core.races import write_or_explain
from db.models import Account, ConsumerAccountLink, ConsumerLogin, Meter, Payment

REGISTER_SCOPE = "register"
LOGIN_SCOPE = "login"


@dataclass(frozen=True)
class LinkedAccount:
    account_id: int
    number: str
    address: str
    has_heating: bool
    has_hot_water: bool
    closed_on: dt.date | None = None  # a closed account stays visible with its history; it takes no readings
    street: str = ""  # the address's parts, for a label that names the flat first (the account switcher)
    building: str = ""
    flat: str | None = None


@dataclass(frozen=True)
class _Proof:
    """A parsed proof of an account: its number and the amount of its last payment, or (none) its meter's number."""

    number: str
    amount: Decimal | None
    meter: str | None

    @property
    def method(self) -> str:
        return "payment" if self.amount is not None else "meter"


@dataclass(frozen=True)
class ProofAndPassword:
    """What a consumer types to prove an account and choose a login's password, at registration and when the password
    is forgotten. The amount is read as `language` writes numbers (`1866,66` or `1,866.66`); a new login speaks it."""

    account_number: str
    login: str
    password: str
    password_repeated: str
    last_payment: str | None = None
    meter_serial: str | None = None
    language: str = "uk"

    def read(self) -> tuple[_Proof, str]:
        """The proof and the login's name, the password checked against the policy: all before any database work."""
        proof = _parse_proof(self.account_number, self.last_payment, self.meter_serial, self.language)
        login_name = parse_login(self.login)
        check_policy(self.password, self.password_repeated)
        return proof, login_name


_REVERSAL = aliased(Payment)


def last_payments(session: Session, account_id: int) -> dict[str, Decimal]:
    """The most recent payment amount per service; registration compares against each, never their sum."""
    ranked = (
        select(
            Payment.service,
            Payment.amount,
            func.row_number()
            .over(partition_by=Payment.service, order_by=(Payment.paid_at.desc(), Payment.id.desc()))
            .label("rank"),
        )
        # A corrected payment counts as its corrected amount: neither its reversal nor the reversed original.
        .where(
            Payment.account_id == account_id,
            Payment.reverses_id.is_(None),
            ~exists().where(_REVERSAL.reverses_id == Payment.id),
        )
        .subquery()
    )
    rows = session.execute(select(ranked.c.service, ranked.c.amount).where(ranked.c.rank == 1))
    # Not dict(rows): a Result has keys() (its column names), so dict() would read it as a mapping.
    return {service: amount for service, amount in rows.tuples()}  # noqa: C416


def last_day_payments(session: Session, account_id: int) -> set[Decimal]:
    """Every single payment made on its service's last payment day (the Kyiv bank date): a bank registry dates
    payments by day, so two on that day have no order between them. Never a sum; reversing entries do not count."""
    # A corrected payment counts as its corrected amount: neither its reversal nor the reversed original.
    paid = (
        Payment.account_id == account_id,
        Payment.reverses_id.is_(None),
        ~exists().where(_REVERSAL.reverses_id == Payment.id),
    )
    amounts: set[Decimal] = set()
    for service, latest in session.execute(
        select(Payment.service, func.max(Payment.paid_at)).where(*paid).group_by(Payment.service)
    ):
        day = latest.astimezone(clock.KYIV).date()
        start, end = clock.kyiv_midnight(day), clock.kyiv_midnight(day + dt.timedelta(days=1))
        amounts.update(
            session.scalars(
                select(Payment.amount).where(
                    *paid, Payment.service == service, Payment.paid_at >= start, Payment.paid_at < end
                )
            )
        )
    return amounts


def _normalise_serial(text: str | None) -> str:
    return "".join((text or "").split()).upper()


def _verify(session: Session, proof: _Proof) -> Account:
    """Return the account if the proof matches; raise a failure that does not say what was wrong."""
    account = session.scalar(select(Account).where(Account.number == proof.number))
    if account is None:
        raise VerificationFailed("registration.failed")
    if proof.amount is not None:
        if proof.amount in last_day_payments(session, account.id):
            return account
        raise VerificationFailed("registration.failed")
    serial = _normalise_serial(proof.meter)
    meter_matches = bool(serial) and session.scalar(
        select(
            exists().where(
                Meter.account_id == account.id, func.upper(Meter.serial) == serial, Meter.removed_on.is_(None)
            )
        )
    )
    if not meter_matches:
        raise VerificationFailed("registration.failed")
    if session.scalar(select(exists().where(Payment.account_id == account.id))):
        raise DomainError("registration.meter_not_allowed")
    return account


def _link(session: Session, login: ConsumerLogin, account: Account, method: str, now: dt.datetime) -> None:
    _already_linked(session, login.id, account.id)
    session.add(ConsumerAccountLink(login_id=login.id, account_id=account.id, method=method, linked_at=now))
    audit.consumer_action(session, login.login, "account.linked", "account", account.number, at=now, method=method)


def _login_taken(session: Session, login_name: str) -> None:
    if session.scalar(select(exists().where(ConsumerLogin.login == login_name))):
        raise DomainError("login.taken")


def _already_linked(session: Session, login_id: int, account_id: int) -> None:
    if session.scalar(
        select(exists().where(ConsumerAccountLink.login_id == login_id, ConsumerAccountLink.account_id == account_id))
    ):
        raise DomainError("registration.already_linked")


def _verified_account(sessions: sessionmaker[Session], proof: _Proof, now: dt.datetime) -> None:
    """Claim an attempt, then check the proof; a failure is committed on its own before it is raised."""
    attempt = throttle.claim(sessions, REGISTER_SCOPE, proof.number, now)
    failure: DomainError | None = None
    with sessions.begin() as session:
        try:
            _verify(session, proof)
        except VerificationFailed as exc:
            throttle.failed(session, attempt, now)
            failure = exc
        except DomainError as exc:  # the proof matched, but this way of registering is not allowed
            throttle.released(session, attempt)
            failure = exc
        else:
            throttle.succeeded(session, attempt, now)
    if failure is not None:
        raise failure


def _parse_proof(account_text: str, amount_text: str | None, meter_text: str | None, language: str = "uk") -> _Proof:
    number = parse_account_number(account_text)
    if amount_text is not None:
        return _Proof(number, parse_amount(amount_text, lang=language), None)
    if not _normalise_serial(meter_text):
        raise DomainError("registration.failed")
    return _Proof(number, None, meter_text)


def register(sessions: sessionmaker[Session], form: ProofAndPassword, now: dt.datetime | None = None) -> int:
    """Create a login linked to the account, proven by the last payment or (no payments yet) the meter."""
    now = now or clock.now()
    proof, login_name = form.read()
    _verified_account(sessions, proof, now)
    password_hash = hash_password(form.password)

    def write(session: Session) -> int:
        _login_taken(session, login_name)
        account = _verify(session, proof)
        consumer = ConsumerLogin(
            login=login_name,
            password_hash=password_hash,
            language=form.language if form.language in LANGUAGES else "uk",
            created_at=now,
        )
        session.add(consumer)
        session.flush()
        audit.consumer_action(
            session,
            login_name,
            "consumer.registered",
            "consumer_login",
            consumer.id,
            at=now,
            method=proof.method,
        )
        _link(session, consumer, account, proof.method, now)
        return consumer.id

    return write_or_explain(sessions, write, lambda session: _login_taken(session, login_name))


def add_account(
    sessions: sessionmaker[Session],
    login_id: int,
    *,
    account_number: str,
    last_payment: str | None = None,
    meter_serial: str | None = None,
    now: dt.datetime | None = None,
    language: str = "uk",
) -> None:
    """Link a further account (a second flat) to a login, with the same proof as registration."""
    now = now or clock.now()
    proof = _parse_proof(account_number, last_payment, meter_serial, language)
    _verified_account(sessions, proof, now)

    def write(session: Session) -> None:
        consumer = session.get_one(ConsumerLogin, login_id)
        account = _verify(session, proof)
        _link(session, consumer, account, proof.method, now)

    def explain(session: Session) -> None:
        account_id = session.scalar(select(Account.id).where(Account.number == proof.number))
        if account_id is not None:
            _already_linked(session, login_id, account_id)

    write_or_explain(sessions, write, explain)


def authenticate(sessions: sessionmaker[Session], login: str, password: str, now: dt.datetime | None = None) -> int:
    """The login's id when the password matches; throttled per login, same message for every failure."""
    now = now or clock.now()
    try:
        login_name = parse_login(login)
    except DomainError:
        raise VerificationFailed("login.failed") from None
    attempt = throttle.claim(sessions, LOGIN_SCOPE, login_name, now)
    with sessions.begin() as session:
        consumer = session.scalar(select(ConsumerLogin).where(ConsumerLogin.login == login_name))
        # The same Argon2 work whether or not the login exists.
        if verify_password(consumer.password_hash if consumer else dummy_hash(), password) and consumer is not None:
            consumer.last_login_at = now
            if needs_rehash(consumer.password_hash):
                consumer.password_hash = hash_password(password)
            throttle.succeeded(session, attempt, now)
            return consumer.id
        throttle.failed(session, attempt, now)
    raise VerificationFailed("login.failed")


def change_password(
    sessions: sessionmaker[Session],
    login_id: int,
    current: str,
    new: str,
    new_repeated: str,
    now: dt.datetime | None = None,
    keep_session: str | None = None,
) -> None:
    """A new password ends every other session of the login (a thief's cookie with it); `keep_session` is the
    token of the session in use, which stays."""
    now = now or clock.now()
    with sessions.begin() as session:
        consumer = session.get_one(ConsumerLogin, login_id)
        if not verify_password(consumer.password_hash, current):
            raise DomainError("password.wrong_current")
        check_policy(new, new_repeated)
        consumer.password_hash = hash_password(new)
        consumer_sessions.revoke_others(session, login_id, now, keep_session)
        audit.consumer_action(
            session, consumer.login, "consumer.password_changed", "consumer_login", consumer.id, at=now
        )


def set_language(sessions: sessionmaker[Session], login_id: int, language: str) -> None:
    if language not in LANGUAGES:
        return
    with sessions.begin() as session:
        session.get_one(ConsumerLogin, login_id).language = language


def login_profile(sessions: sessionmaker[Session], login_id: int) -> tuple[str, str]:
    """(login, language) of a consumer."""
    with sessions() as session:
        consumer = session.get_one(ConsumerLogin, login_id)
        return consumer.login, consumer.language


def linked_accounts(sessions: sessionmaker[Session], login_id: int) -> list[LinkedAccount]:
    with sessions() as session:
        rows = session.execute(
            select(Account)
            .join(ConsumerAccountLink, ConsumerAccountLink.account_id == Account.id)
            .where(ConsumerAccountLink.login_id == login_id)
            .order_by(ConsumerAccountLink.linked_at, Account.number)
        ).scalars()
        return [
            LinkedAccount(
                a.id, a.number, a.address, a.has_heating, a.has_hot_water, a.closed_on, a.street, a.building, a.flat
            )
            for a in rows
        ]


def require_link(session: Session, login_id: int, account_id: int) -> None:
    """Every consumer-side read or write of an account goes through this check."""
    linked = session.scalar(
        select(exists().where(ConsumerAccountLink.login_id == login_id, ConsumerAccountLink.account_id == account_id))
    )
    if not linked:
        raise AccessDenied()
