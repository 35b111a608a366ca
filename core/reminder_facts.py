"""What the reminder job reads: the subscribers, the open windows and their estimates, and what each login
has had already (a delivery kept for a retry is not counted as had)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from core import reminder_rules
from core.estimates import AdditionalChargeLine, estimate
from core.reminder_rules import Due, Subscriber, Window
from db.models import (
    Charge,
    ConsumerAccountLink,
    ConsumerLogin,
    Meter,
    ReadingWindow,
    ReminderConsent,
    ReminderDelivery,
)

MAX_ATTEMPTS = 5
CLAIM_LEASE = dt.timedelta(minutes=15)


def _newest_charge_months(session: Session, login_ids: Iterable[int]) -> dict[int, dt.date]:
    rows = session.execute(
        select(ConsumerAccountLink.login_id, func.max(Charge.month))
        .join(Charge, Charge.account_id == ConsumerAccountLink.account_id)
        .where(ConsumerAccountLink.login_id.in_(login_ids), Charge.reverses_id.is_(None))
        .group_by(ConsumerAccountLink.login_id)
    )
    return dict(rows.tuples().all())


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
