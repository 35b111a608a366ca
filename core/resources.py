"""The engine and session factory of a process: its one pool (db.engine.shared_sessions), shared by an app's pages
(through ui.resources) and its HTTP routes (web/); never sessions or ORM objects."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from core.config import settings
from db.engine import shared_sessions


def sessions() -> sessionmaker[Session]:
    current = settings()
    return shared_sessions(current.database_url, **current.pool())


def engine() -> Engine:
    bound: Engine = sessions().kw["bind"]
    return bound
