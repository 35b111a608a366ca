"""Audit trail: every write that matters leaves a row, in the same transaction as the write."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from db.models import AuditLog, AuditTally


def record(
    session: Session,
    *,
    at: dt.datetime,
    actor_type: str,
    actor: str,
    action: str,
    entity: str,
    entity_id: object = None,
    **details: object,
) -> None:
    Actor(actor_type)(session, actor, action, entity, entity_id, at=at, **details)


@dataclass(frozen=True)
class Actor:
    """record() for one kind of actor: who, what, on which entity, when; the rest goes into the details."""

    actor_type: str

    def __call__(
        self,
        session: Session,
        actor: str,
        action: str,
        entity: str,
        entity_id: object = None,
        /,
        *,
        at: dt.datetime,
        **details: object,
    ) -> None:
        # A Core INSERT on the session's connection: written at once, without a trip through the unit of work.
        session.connection().execute(_INSERT, _row(at, self.actor_type, actor, action, entity, entity_id, details))


# Most call sites know their kind of actor; these keep each such record to the facts it states.
staff_action = Actor("staff")
consumer_action = Actor("consumer")
system_action = Actor("system")
provider_action = Actor("provider")


def record_many(session: Session, entries: list[dict[str, Any]]) -> None:
    """Many rows in one statement (an import's changes, one row each): each entry holds record()'s keywords."""
    if entries:
        session.connection().execute(
            _INSERT,
            [
                _row(
                    e.pop("at"),
                    e.pop("actor_type"),
                    e.pop("actor"),
                    e.pop("action"),
                    e.pop("entity"),
                    e.pop("entity_id", None),
                    e,
                )
                for e in (dict(entry) for entry in entries)
            ],
        )


def _row(
    at: dt.datetime, actor_type: str, actor: str, action: str, entity: str, entity_id: object, details: dict[str, Any]
) -> dict[str, Any]:
    return {
        "at": at,
        "actor_type": actor_type,
        "actor": actor,
        "action": action,
        "entity": entity,
        "entity_id": None if entity_id is None else str(entity_id),
        "details": json.dumps(details, ensure_ascii=False, default=str) if details else None,
    }


_INSERT = insert(AuditLog)


def period_start(at: dt.datetime, minutes: int) -> dt.datetime:
    """The start (UTC) of the fixed period of `minutes` that holds `at`."""
    step = max(1, minutes) * 60
    seconds = int(at.timestamp())
    return dt.datetime.fromtimestamp(seconds - seconds % step, tz=dt.UTC)


def record_tallied(
    session: Session,
    *,
    at: dt.datetime,
    period_minutes: int,
    source: str,
    reason: str,
    actor_type: str,
    actor: str,
    action: str,
    entity: str,
    entity_id: object = None,
    **details: object,
) -> int:
    """Count an event an unauthenticated sender can repeat at will; only the first of each period is audited.

    Returns how many such events (action, source, reason) the period has seen, this one included. The counter is
    one atomic upsert, so parallel requests neither lose a count nor write a second audit row.
    """
    upsert = postgresql.insert if session.connection().dialect.name == "postgresql" else sqlite.insert
    statement = upsert(AuditTally).values(
        action=action,
        source=source[:64],
        reason=reason[:40],
        period_start=period_start(at, period_minutes),
        count=1,
        last_at=at,
    )
    counted = statement.on_conflict_do_update(
        index_elements=[AuditTally.action, AuditTally.source, AuditTally.reason, AuditTally.period_start],
        set_={"count": AuditTally.count + 1, "last_at": statement.excluded.last_at},
    ).returning(AuditTally.count)
    seen: int = session.connection().execute(counted).scalar_one()
    if seen == 1:
        record(
            session,
            at=at,
            actor_type=actor_type,
            actor=actor,
            action=action,
            entity=entity,
            entity_id=entity_id,
            reason=reason,
            period_minutes=period_minutes,
            **details,
        )
    return seen
