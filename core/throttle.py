"""Throttling of every proof (registration, login, staff login, password reset), kept in the database.

An attempt first *claims* a slot, and only a claimed attempt may evaluate its proof. The claim counts the key's
open and failed attempts and inserts its own row in one transaction that holds a lock on the key (a PostgreSQL
advisory transaction lock on a hash of scope and key; on SQLite the database write lock, `BEGIN IMMEDIATE`), so
parallel attempts are serialised and at most `TEPLO_MAX_FAILURES` proofs are evaluated per key and period, however
many arrive at once. A claim counts as a failure until it is settled: a crashed attempt still counts.

No failure is deleted: a failure stays a row (and an audit row); a success gives back only its own claim and
marks the key's earlier failures `cleared` (they stop counting but remain evidence); a lockout is audited once
per key and period, with a counter of the attempts it refused.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from dataclasses import dataclass

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from core import audit
from core.config import settings
from core.errors import Locked
from db.models import FailedAttempt

CLAIMED, FAILED, CLEARED, LOCKED = "claimed", "failed", "cleared", "locked"
# Outcomes that use up the key's allowance: an attempt still being evaluated, and a failed one.
COUNTED = (CLAIMED, FAILED)
KEY_LENGTH = 120


@dataclass(frozen=True)
class Claim:
    """The right to evaluate one proof for (scope, key); settle it with `succeeded` or `failed`."""

    id: int
    scope: str
    key: str


def normalise_key(key: str) -> str:
    return (key or "").strip()[:KEY_LENGTH]


def _since(now: dt.datetime) -> dt.datetime:
    return now - dt.timedelta(minutes=settings().failure_period_minutes)


def lock_id(scope: str, key: str) -> int:
    """A signed 64-bit number for pg_advisory_xact_lock, stable across processes (unlike hash())."""
    digest = hashlib.blake2b(f"throttle:{scope}:{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _serialise(session: Session, scope: str, key: str) -> None:
    """Hold the key's lock until the transaction ends; must be the transaction's first statement."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": lock_id(scope, key)})
    elif connection.dialect.name == "sqlite":
        # pysqlite would open a deferred transaction; take the write lock before counting instead.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def claim(sessions: sessionmaker[Session], scope: str, key: str, now: dt.datetime) -> Claim:
    """Claim one attempt for the key, or raise Locked when its failures and open attempts fill the period.

    Commits on its own, before the caller evaluates anything, so a parallel attempt already sees this claim.
    """
    key = normalise_key(key)
    locked_for: int | None = None
    with sessions.begin() as session:
        _serialise(session, scope, key)
        count, oldest = session.execute(
            select(func.count(), func.min(FailedAttempt.at)).where(
                FailedAttempt.scope == scope,
                FailedAttempt.key == key,
                FailedAttempt.at > _since(now),
                FailedAttempt.outcome.in_(COUNTED),
            )
        ).one()
        if count < settings().max_failures:
            attempt = FailedAttempt(scope=scope, key=key, at=now, outcome=CLAIMED)
            session.add(attempt)
            session.flush()
            return Claim(attempt.id, scope, key)
        wait = (oldest + dt.timedelta(minutes=settings().failure_period_minutes) - now).total_seconds() / 60
        locked_for = max(1, math.ceil(wait))
        _note_lockout(session, scope, key, now, locked_for)
    raise Locked("registration.locked", minutes=locked_for)


def _note_lockout(session: Session, scope: str, key: str, now: dt.datetime, minutes: int) -> None:
    """One row and one audit entry per key and period; further refusals only raise its counter."""
    marker = session.scalar(
        select(FailedAttempt)
        .where(
            FailedAttempt.scope == scope,
            FailedAttempt.key == key,
            FailedAttempt.outcome == LOCKED,
            FailedAttempt.at > _since(now),
        )
        .order_by(FailedAttempt.at.desc())
        .limit(1)
    )
    if marker is not None:
        marker.attempts += 1
        return
    session.add(FailedAttempt(scope=scope, key=key, at=now, outcome=LOCKED))
    audit.record(
        session,
        at=now,
        actor_type="anonymous",
        actor=key,
        action=f"{scope}.locked",
        entity=scope,
        entity_id=key[:40],
        key=key,
        failures=settings().max_failures,
        period_minutes=settings().failure_period_minutes,
        minutes_left=minutes,
    )


def failed(session: Session, attempt: Claim, now: dt.datetime) -> None:
    """The claimed proof did not match: keep the row as a failure and audit it (the key, never the secret)."""
    session.execute(update(FailedAttempt).where(FailedAttempt.id == attempt.id).values(outcome=FAILED))
    audit.record(
        session,
        at=now,
        actor_type="anonymous",
        actor=attempt.key,
        action=f"{attempt.scope}.failed",
        entity=attempt.scope,
        entity_id=attempt.key[:40],
        key=attempt.key,
    )


def succeeded(session: Session, attempt: Claim, now: dt.datetime) -> None:
    """The proof matched: release this claim and stop counting the key's earlier failures (kept as evidence)."""
    released(session, attempt)
    session.execute(
        update(FailedAttempt)
        .where(
            FailedAttempt.scope == attempt.scope,
            FailedAttempt.key == attempt.key,
            FailedAttempt.outcome == FAILED,
            FailedAttempt.at <= now,
        )
        .values(outcome=CLEARED)
    )


def released(session: Session, attempt: Claim) -> None:
    """Give the claim back: the attempt proved nothing wrong (a success, or a matching proof refused for another
    reason the person is told). Only the claim's own row goes; failures are never deleted."""
    session.execute(delete(FailedAttempt).where(FailedAttempt.id == attempt.id, FailedAttempt.outcome == CLAIMED))


def clear_failures(session: Session, scope: str, key: str, now: dt.datetime) -> None:
    """Stop counting the key's failures in another scope (kept as evidence): a password reset lifts the lock that
    forgotten-password login attempts left on the login."""
    session.execute(
        update(FailedAttempt)
        .where(
            FailedAttempt.scope == scope,
            FailedAttempt.key == normalise_key(key),
            FailedAttempt.outcome == FAILED,
            FailedAttempt.at <= now,
        )
        .values(outcome=CLEARED)
    )
