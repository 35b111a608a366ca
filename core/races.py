"""Writes two people can race: the database enforces the rule (a unique index), and the loser of the race is told
what the sequential path would have told them, never shown a raw database error."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

RETRIES = 12

T = TypeVar("T")


def write_or_explain(
    sessions: sessionmaker[Session], write: Callable[[Session], T], explain: Callable[[Session], None]
) -> T:
    """Run `write` in one transaction. When a concurrent transaction got there first the database refuses it
    (a unique index: IntegrityError; on SQLite also a write against a snapshot another writer has changed since:
    "database is locked", which a retry resolves); `explain` then runs the sequential path's checks in a fresh
    transaction and raises the domain error they give. A violation `explain` cannot account for is re-raised."""
    for attempt in range(RETRIES):
        try:
            with sessions.begin() as session:
                return write(session)
        except IntegrityError:
            with sessions() as session:
                explain(session)
            raise
        except OperationalError as error:
            if "locked" not in str(error.orig) or attempt == RETRIES - 1:
                raise
            with sessions() as session:
                explain(session)
            time.sleep(random.uniform(0, 0.02 * 2 ** min(attempt, 5)))  # apart, so the retries do not collide again
    raise AssertionError("unreachable")
