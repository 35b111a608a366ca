"""Failed-attempt throttling kept in the database, so every app replica sees the same counters."""

from __future__ import annotations

import datetime as dt
import math

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from core.config import FAILURE_PERIOD_MINUTES, MAX_FAILURES
from core.errors import Locked
from db.models import FailedAttempt


def _since(now: dt.datetime) -> dt.datetime:
    return now - dt.timedelta(minutes=FAILURE_PERIOD_MINUTES)


def check(session: Session, scope: str, key: str, now: dt.datetime) -> None:
    """Raise Locked when the key has used up its failures in the sliding period."""
    rows = session.execute(
        select(func.count(), func.min(FailedAttempt.at)).where(
            FailedAttempt.scope == scope, FailedAttempt.key == key, FailedAttempt.at > _since(now)
        )
    ).one()
    count, oldest = rows
    if count >= MAX_FAILURES:
        wait = (oldest + dt.timedelta(minutes=FAILURE_PERIOD_MINUTES) - now).total_seconds() / 60
        raise Locked("registration.locked", minutes=max(1, math.ceil(wait)))


def record_failure(session: Session, scope: str, key: str, now: dt.datetime) -> None:
    session.add(FailedAttempt(scope=scope, key=key, at=now))


def clear(session: Session, scope: str, key: str) -> None:
    session.execute(delete(FailedAttempt).where(FailedAttempt.scope == scope, FailedAttempt.key == key))
