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
    session.connection().execute(_INSERT, {
        "at": at, "actor_type": actor_type, "actor": actor, "action": action, "entity": entity,
        "entity_id": None if entity_id is None else str(entity_id),
        "details": json.dumps(details, ensure_ascii=False, default=str) if details else None,
    })


_INSERT = insert(AuditLog)
