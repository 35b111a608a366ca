"""E-mail reminders for consumers: consent on Profile, one-click unsubscribe, and the `send-reminders` job.

Delivery is **at most once** per login, kind and period, with retries where a retry cannot duplicate:

1. claim: INSERT the delivery row (status `claimed`) and commit; the unique key (login, kind, period) lets exactly
   one of any number of runs have it. A `failed` row (below) is claimed again by a conditional UPDATE, which also
   only one run can win.
2. mark `sending` (a conditional UPDATE on the claim's own token, committed) just before the message is handed to
   the SMTP server; a run whose claim went stale and was taken over finds nothing to update and sends nothing.
3. after the server's 250: `sent`. If the server could not be reached or refused the sender, the recipient or
   the message, nothing was delivered: `failed`, and the next run sends it again (up to MAX_ATTEMPTS times).
   If the connection broke while the message was being transmitted, the server may have taken it: `uncertain`,
   never sent again (as is a row left `sending` by a process that died there).

So the only reminder that can be lost is one whose delivery was cut off mid-transmission (counted in the job's
summary as uncertain, the row kept for staff); no reminder is ever sent twice. A `claimed` row whose process died
before step 2 holds nothing transmitted and is taken over after CLAIM_LEASE.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from typing import Any, cast

from sqlalchemy import CursorResult, and_, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from core import audit, clock, formatting, mail, reminder_rules
from core.errors import DomainError
from core.estimates import AdditionalChargeLine, estimate
from core.i18n import t
from core.reminder_rules import CHARGE, Due, Subscriber, Window
from core.statements import statement
from db.models import (
    Charge,
    ConsumerAccountLink,
    ConsumerLogin,
    Meter,
    ReadingWindow,
    ReminderConsent,
    ReminderDelivery,
)

log = logging.getLogger("teplo.reminders")

MAX_ATTEMPTS = 5
CLAIM_LEASE = dt.timedelta(minutes=15)


# ---- consent -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReminderState:
    login: str
    email: bool  # only an e-mail login can receive reminders
    consented_at: dt.datetime | None  # None: off


def reminder_state(sessions: sessionmaker[Session], login_id: int) -> ReminderState:
    with sessions() as session:
        login = session.get_one(ConsumerLogin, login_id).login
        consent = session.get(ReminderConsent, login_id)
        on = consent is not None and consent.withdrawn_at is None
        return ReminderState(
            login, reminder_rules.is_email(login), consent.consented_at if on and consent is not None else None
        )


def _newest_charge_months(session: Session, login_ids: Iterable[int]) -> dict[int, dt.date]:
    rows = session.execute(
        select(ConsumerAccountLink.login_id, func.max(Charge.month))
        .join(Charge, Charge.account_id == ConsumerAccountLink.account_id)
        .where(ConsumerAccountLink.login_id.in_(login_ids), Charge.reverses_id.is_(None))
        .group_by(ConsumerAccountLink.login_id)
    )
    return dict(rows.tuples().all())


def set_reminders(
    sessions: sessionmaker[Session], login_id: int, on: bool, now: dt.datetime | None = None, via: str = "profile"
) -> bool:
    """Give or withdraw consent; audited with the time. Returns whether anything changed."""
    now = now or clock.now()
    try:
        return _set_reminders(sessions, login_id, on, now, via)
    except IntegrityError:  # a second tab gave the first consent at the same moment: that one stands
        return _set_reminders(sessions, login_id, on, now, via)


def _set_reminders(sessions: sessionmaker[Session], login_id: int, on: bool, now: dt.datetime, via: str) -> bool:
    with sessions.begin() as session:
        consumer = session.get_one(ConsumerLogin, login_id)
        if on and not reminder_rules.is_email(consumer.login):
            raise DomainError("reminders.phone_login")
        consent = session.get(ReminderConsent, login_id, with_for_update=True)
        active = consent is not None and consent.withdrawn_at is None
        if on == active:
            return False
        if on:
            newest = _newest_charge_months(session, [login_id]).get(login_id)
            if consent is None:
                session.add(ReminderConsent(login_id=login_id, consented_at=now, charges_seen_through=newest))
            else:
                consent.consented_at, consent.withdrawn_at, consent.charges_seen_through = now, None, newest
        else:
            assert consent is not None  # withdrawing: the consent is active, so it exists
            consent.withdrawn_at = now
        audit.record(
            session,
            at=now,
            actor_type="consumer",
            actor=consumer.login,
            action="reminders.enabled" if on else "reminders.disabled",
            entity="consumer_login",
            entity_id=login_id,
            via=via,
        )
        return True


def unsubscribe(
    sessions: sessionmaker[Session], token: str, settings: mail.MailSettings, now: dt.datetime | None = None
) -> tuple[bool, str]:
    """The one-click unsubscribe of a signed link: (whether it was on, the login's language).
    Raises mail.BadToken for a forged or expired token, and for a login that no longer exists."""
    now = now or clock.now()
    login_id = mail.read_unsubscribe_token(settings.secret, token, now, settings.unsubscribe_days)
    with sessions() as session:
        consumer = session.get(ConsumerLogin, login_id)
        if consumer is None:
            raise mail.BadToken("invalid")
        language = consumer.language
    return set_reminders(sessions, login_id, False, now, via="unsubscribe_link"), language


def token_language(
    token: str, settings: mail.MailSettings, sessions: sessionmaker[Session], now: dt.datetime | None = None
) -> str:
    """The language of the login a valid token names (for the confirmation page); BadToken otherwise."""
    login_id = mail.read_unsubscribe_token(settings.secret, token, now or clock.now(), settings.unsubscribe_days)
    with sessions() as session:
        consumer = session.get(ConsumerLogin, login_id)
        if consumer is None:
            raise mail.BadToken("invalid")
        return consumer.language


# ---- what is due -------------------------------------------------------------------------------------------------


@dataclass
class Facts:
    """Everything the rules need, read in a handful of queries for every subscriber at once."""

    subscribers: list[tuple[Subscriber, str]]  # with the login's language
    windows: list[Window]
    window_rows: dict[int, ReadingWindow]
    estimates: dict[int, list[AdditionalChargeLine]]  # window id -> lines of the subscribers' meters
    accounts_of: dict[int, list[int]]  # login id -> linked account ids
    newest_charge: dict[int, dt.date]
    done: dict[int, set[tuple[str, dt.date]]]


def _reads(session: Session, now: dt.datetime) -> Facts:
    rows = session.execute(
        select(ConsumerLogin.id, ConsumerLogin.login, ConsumerLogin.language, ReminderConsent.charges_seen_through)
        .join(ReminderConsent, ReminderConsent.login_id == ConsumerLogin.id)
        .where(ReminderConsent.withdrawn_at.is_(None))
        .order_by(ConsumerLogin.id)
    ).all()
    subscribers = [
        (Subscriber(i, login, True, seen), language)
        for i, login, language, seen in rows
        if reminder_rules.is_email(login)
    ]
    ids = [s.login_id for s, _ in subscribers]
    window_rows = {
        w.id: w
        for w in session.scalars(
            select(ReadingWindow).where(ReadingWindow.opens_at <= now, ReadingWindow.closes_at > now)
        )
    }
    accounts_of: dict[int, list[int]] = defaultdict(list)
    for login_id, account_id in session.execute(
        select(ConsumerAccountLink.login_id, ConsumerAccountLink.account_id)
        .where(ConsumerAccountLink.login_id.in_(ids))
        .order_by(ConsumerAccountLink.linked_at)
    ):
        accounts_of[login_id].append(account_id)
    meters = (
        select(Meter.id)
        .join(ConsumerAccountLink, ConsumerAccountLink.account_id == Meter.account_id)
        .where(ConsumerAccountLink.login_id.in_(ids))
    )
    estimates = {window_id: estimate(session, row, meters) if ids else [] for window_id, row in window_rows.items()}
    retry = or_(
        and_(ReminderDelivery.status == "failed", ReminderDelivery.attempts < MAX_ATTEMPTS),
        and_(ReminderDelivery.status == "claimed", ReminderDelivery.claimed_at < now - CLAIM_LEASE),
    )
    done: dict[int, set[tuple[str, dt.date]]] = defaultdict(set)
    for login_id, kind, period in session.execute(
        select(ReminderDelivery.login_id, ReminderDelivery.kind, ReminderDelivery.period).where(
            ReminderDelivery.login_id.in_(ids), ~retry
        )
    ):
        done[login_id].add((kind, period))
    return Facts(
        subscribers,
        [Window(w.id, w.period, w.opens_at, w.closes_at) for w in window_rows.values()],
        window_rows,
        estimates,
        accounts_of,
        _newest_charge_months(session, ids) if ids else {},
        done,
    )


def due_now(facts: Facts, now: dt.datetime) -> list[tuple[Subscriber, str, Due]]:
    found = []
    for subscriber, language in facts.subscribers:
        accounts = set(facts.accounts_of.get(subscriber.login_id, []))
        missing = {
            window_id
            for window_id, lines in facts.estimates.items()
            if any(line.account_id in accounts for line in lines)
        }
        for item in reminder_rules.due(
            subscriber,
            now,
            facts.windows,
            missing,
            facts.newest_charge.get(subscriber.login_id),
            facts.done.get(subscriber.login_id, set()),
        ):
            found.append((subscriber, language, item))
    return found


# ---- the messages ------------------------------------------------------------------------------------------------


def _window_body(
    lang: str, kind: str, window: ReadingWindow, lines: list[AdditionalChargeLine], base_url: str
) -> tuple[str, list[str]]:
    info = reminder_rules.Window(window.id, window.period, window.opens_at, window.closes_at)
    last_day = (info.closes_at.astimezone(clock.KYIV) - dt.timedelta(microseconds=1)).date()
    month = formatting.month(window.period, lang)
    subject = t(f"reminder.{kind}.subject", lang, month=month, closes=formatting.date(last_day, lang))
    body = [
        t(
            f"reminder.{kind}.intro",
            lang,
            month=month,
            opens=formatting.date(info.opens_at.astimezone(clock.KYIV).date(), lang),
            closes=formatting.date(last_day, lang),
        ),
        "",
        t("reminder.window.missing", lang),
    ]
    for line in lines:
        body.append(
            t(
                "reminder.window.meter",
                lang,
                account=line.account_number,
                address=line.address,
                serial=line.meter_serial,
            )
        )
        body.append(
            t(
                "reminder.window.estimate",
                lang,
                closes=formatting.date(last_day, lang),
                volume=formatting.volume(line.volume, lang),
                amount=formatting.money(line.amount, lang),
            )
        )
    body += ["", t("reminder.window.action", lang, url=f"{base_url}/readings")]
    return subject, body


def _charge_body(
    session: Session, lang: str, month_: dt.date, account_ids: list[int], base_url: str
) -> tuple[str, list[str]]:
    month = formatting.month(month_, lang)
    subject = t("reminder.charge.subject", lang, month=month)
    body = [t("reminder.charge.intro", lang, month=month)]
    for account_id in account_ids:
        account = statement(session, account_id)
        lines = [c for c in account.charges if c.month == month_ and c.correction in (None, "replacement")]
        if not lines:
            continue
        body += ["", t("reminder.charge.account", lang, account=account.number, address=account.address)]
        for charge in lines:
            service = t(f"service.{charge.service}", lang)
            if charge.discount_amount:
                body.append(
                    t(
                        "reminder.charge.line_discount",
                        lang,
                        service=service,
                        amount=formatting.money(charge.amount, lang),
                        discount=formatting.percent(charge.discount_percent, lang),
                        to_pay=formatting.money(charge.amount_to_pay, lang),
                    )
                )
            else:
                body.append(
                    t(
                        "reminder.charge.line",
                        lang,
                        service=service,
                        to_pay=formatting.money(charge.amount_to_pay, lang),
                    )
                )
        for balance in account.services:
            if balance.balance > 0:
                body.append(
                    t(
                        "reminder.charge.debt",
                        lang,
                        service=t(f"service.{balance.service}", lang),
                        amount=formatting.money(balance.balance, lang),
                    )
                )
            elif balance.balance < 0:
                body.append(
                    t(
                        "reminder.charge.overpaid",
                        lang,
                        service=t(f"service.{balance.service}", lang),
                        amount=formatting.money(-balance.balance, lang),
                    )
                )
    body += ["", t("reminder.charge.action", lang, url=f"{base_url}/pay")]
    return subject, body


def compose(
    session: Session,
    settings: mail.MailSettings,
    facts: Facts,
    subscriber: Subscriber,
    lang: str,
    item: Due,
    now: dt.datetime,
) -> EmailMessage:
    """The plain-text e-mail in the login's language, with the signed one-click unsubscribe (RFC 8058)."""
    if item.kind == CHARGE:
        subject, body = _charge_body(
            session, lang, item.period, facts.accounts_of.get(subscriber.login_id, []), settings.public_base_url
        )
    else:
        assert item.window_id is not None  # a window's reminders name their window (reminder_rules.due)
        accounts = set(facts.accounts_of.get(subscriber.login_id, []))
        lines = [line for line in facts.estimates[item.window_id] if line.account_id in accounts]
        subject, body = _window_body(
            lang, item.kind, facts.window_rows[item.window_id], lines, settings.public_base_url
        )
    link = mail.unsubscribe_url(settings, subscriber.login_id, now)
    body = [
        t("reminder.greeting", lang),
        "",
        *body,
        "",
        "-- ",
        t("reminder.footer", lang, url=settings.public_base_url),
        t("reminder.unsubscribe", lang, url=link),
    ]
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = formataddr((t("reminder.sender_name", lang), settings.sender))
    message["To"] = subscriber.login
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(domain=settings.sender.rsplit("@", 1)[-1])
    message.set_raw("List-Unsubscribe", f"<{link}>")  # one line on the wire (mail.WIRE_POLICY)
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["Auto-Submitted"] = "auto-generated"
    message["Content-Language"] = lang
    message.set_content("\n".join(body) + "\n")
    return message


# ---- claim, send, mark ---------------------------------------------------------------------------------------------


def _claim(sessions: sessionmaker[Session], subscriber: Subscriber, item: Due, now: dt.datetime) -> str | None:
    """Take the reminder for this run: a new row, or a failed (or abandoned-before-sending) one again.
    Returns the claim's token, or None when another run has it or it is done."""
    token = secrets.token_hex(16)
    with sessions.begin() as session:
        insert = postgresql.insert if session.connection().dialect.name == "postgresql" else sqlite.insert
        inserted = cast(
            "CursorResult[Any]",
            session.execute(
                insert(ReminderDelivery)
                .values(
                    login_id=subscriber.login_id,
                    kind=item.kind,
                    period=item.period,
                    window_id=item.window_id,
                    address=subscriber.login,
                    status="claimed",
                    claim_token=token,
                    claimed_at=now,
                    attempts=0,
                )
                .on_conflict_do_nothing(index_elements=["login_id", "kind", "period"])
            ),
        )
        if inserted.rowcount == 1:
            return token
        retaken = cast(
            "CursorResult[Any]",
            session.execute(
                update(ReminderDelivery)
                .where(
                    ReminderDelivery.login_id == subscriber.login_id,
                    ReminderDelivery.kind == item.kind,
                    ReminderDelivery.period == item.period,
                    or_(
                        and_(ReminderDelivery.status == "failed", ReminderDelivery.attempts < MAX_ATTEMPTS),
                        and_(ReminderDelivery.status == "claimed", ReminderDelivery.claimed_at < now - CLAIM_LEASE),
                    ),
                )
                .values(status="claimed", claim_token=token, claimed_at=now, address=subscriber.login)
            ),
        )
        return token if retaken.rowcount == 1 else None


def _move(
    sessions: sessionmaker[Session], subscriber: Subscriber, item: Due, token: str, from_status: str, **values: Any
) -> bool:
    """Change the claimed row, only while this run's claim still holds it."""
    with sessions.begin() as session:
        changed = cast(
            "CursorResult[Any]",
            session.execute(
                update(ReminderDelivery)
                .where(
                    ReminderDelivery.login_id == subscriber.login_id,
                    ReminderDelivery.kind == item.kind,
                    ReminderDelivery.period == item.period,
                    ReminderDelivery.claim_token == token,
                    ReminderDelivery.status == from_status,
                )
                .values(**values)
            ),
        )
        return changed.rowcount == 1


@dataclass
class Summary:
    due: int = 0
    sent: int = 0
    failed: int = 0  # the server refused or could not be reached: retried by the next run
    uncertain: int = 0  # cut off mid-transmission: not sent again
    taken: int = 0  # claimed by another run at the same time, or done already
    errors: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (
            f"{self.due} reminders due: {self.sent} sent, {self.failed} failed (retried next run), "
            f"{self.uncertain} uncertain (not resent), {self.taken} taken by another run"
        )


def send_reminders(
    sessions: sessionmaker[Session], settings: mail.MailSettings, now: dt.datetime | None = None, transport: Any = None
) -> Summary:
    """Send every reminder due now, each at most once (see the module's docstring)."""
    problems = settings.problems()
    if problems:
        raise DomainError("reminders.not_configured", problems="; ".join(problems))
    now = now or clock.now()
    transport = transport or mail.SmtpTransport(settings)
    summary = Summary()
    with sessions() as session:
        facts = _reads(session, now)
    try:
        for subscriber, language, item in due_now(facts, now):
            summary.due += 1
            token = _claim(sessions, subscriber, item, now)
            if token is None:
                summary.taken += 1
                continue
            try:
                with sessions() as session:
                    message = compose(session, settings, facts, subscriber, language, item, now)
            except Exception as error:  # a fault of ours: the claim goes back to be retried, the run goes on
                _move(
                    sessions,
                    subscriber,
                    item,
                    token,
                    "claimed",
                    status="failed",
                    attempts=ReminderDelivery.attempts + 1,
                    last_error=f"compose: {type(error).__name__}: {error}"[:255],
                )
                summary.failed += 1
                summary.errors.append(f"{subscriber.login_id} {item.kind} {item.period}: {error}")
                log.exception("reminder not composed", extra={"job": "send-reminders", "kind": item.kind})
                continue
            if not _move(
                sessions,
                subscriber,
                item,
                token,
                "claimed",
                status="sending",
                attempts=ReminderDelivery.attempts + 1,
                subject=str(message["Subject"])[:200],
            ):
                summary.taken += 1
                continue
            try:
                transport.send(message)
            except mail.Refused as error:
                _move(sessions, subscriber, item, token, "sending", status="failed", last_error=str(error)[:255])
                summary.failed += 1
                summary.errors.append(f"{subscriber.login_id} {item.kind} {item.period}: {error}")
                log.warning(
                    "reminder refused", extra={"job": "send-reminders", "kind": item.kind, "error": str(error)[:200]}
                )
                continue
            except mail.Uncertain as error:
                _move(sessions, subscriber, item, token, "sending", status="uncertain", last_error=str(error)[:255])
                summary.uncertain += 1
                summary.errors.append(f"{subscriber.login_id} {item.kind} {item.period}: {error}")
                continue
            _move(sessions, subscriber, item, token, "sending", status="sent", sent_at=now, last_error=None)
            summary.sent += 1
    finally:
        close = getattr(transport, "close", None)
        if close is not None:
            close()
    log.info(
        "reminders done",
        extra={
            "job": "send-reminders",
            "due": summary.due,
            "sent": summary.sent,
            "failed": summary.failed,
            "uncertain": summary.uncertain,
        },
    )
    return summary
