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
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, and_, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from core import audit, clock, mail, reminder_rules
from core.errors import DomainError
from core.reminder_facts import CLAIM_LEASE, MAX_ATTEMPTS, _newest_charge_months, _reads, due_now
from core.reminder_mail import compose
from core.reminder_rules import Due, Subscriber
from db.models import (
    ConsumerLogin,
    ReminderConsent,
    ReminderDelivery,
)

log = logging.getLogger("teplo.reminders")


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
        audit.consumer_action(
            session,
            consumer.login,
            "reminders.enabled" if on else "reminders.disabled",
            "consumer_login",
            login_id,
            at=now,
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
        retaken = or_(
            and_(ReminderDelivery.status == "failed", ReminderDelivery.attempts < MAX_ATTEMPTS),
            and_(ReminderDelivery.status == "claimed", ReminderDelivery.claimed_at < now - CLAIM_LEASE),
        )
        claim = {"status": "claimed", "claim_token": token, "claimed_at": now, "address": subscriber.login}
        return token if _change(session, subscriber, item, [retaken], **claim) else None


def _move(
    sessions: sessionmaker[Session], subscriber: Subscriber, item: Due, token: str, from_status: str, **values: Any
) -> bool:
    """Change the claimed row, only while this run's claim still holds it."""
    with sessions.begin() as session:
        held = [ReminderDelivery.claim_token == token, ReminderDelivery.status == from_status]
        return _change(session, subscriber, item, held, **values)


def _change(
    session: Session, subscriber: Subscriber, item: Due, conditions: list[ColumnElement[bool]], **values: Any
) -> bool:
    """Update the subscriber's row for this reminder where `conditions` hold; whether it did."""
    result = cast(
        "CursorResult[Any]",
        session.execute(
            update(ReminderDelivery)
            .where(
                ReminderDelivery.login_id == subscriber.login_id,
                ReminderDelivery.kind == item.kind,
                ReminderDelivery.period == item.period,
                *conditions,
            )
            .values(**values)
        ),
    )
    return result.rowcount == 1


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
