"""Audit trail: every write that matters leaves a row, in the same transaction as the write."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import insert
from sqlalchemy.orm import Session

from db.models import AuditLog


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
    # A Core INSERT on the session's connection: written at once, without a trip through the unit of work.
    session.connection().execute(_INSERT, _row(at, actor_type, actor, action, entity, entity_id, details))


def record_many(session: Session, entries: list[dict]) -> None:
    """Many rows in one statement (an import's changes, one row each): each entry holds record()'s keywords."""
    if entries:
        session.connection().execute(_INSERT, [
            _row(e.pop("at"), e.pop("actor_type"), e.pop("actor"), e.pop("action"), e.pop("entity"),
                 e.pop("entity_id", None), e) for e in (dict(entry) for entry in entries)])


def _row(at, actor_type, actor, action, entity, entity_id, details: dict) -> dict:
    return {
        "at": at, "actor_type": actor_type, "actor": actor, "action": action, "entity": entity,
        "entity_id": None if entity_id is None else str(entity_id),
        "details": json.dumps(details, ensure_ascii=False, default=str) if details else None,
    }


_INSERT = insert(AuditLog)
