"""Engine and session factory from DATABASE_URL; the default is an embedded SQLite file under data/."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "data" / "teplo.sqlite3"


def database_url() -> str:
    return os.environ.get("DATABASE_URL") or f"sqlite:///{DEFAULT_SQLITE_PATH}"


def make_engine(url: str | None = None, **options: Any) -> Engine:
    """`options` go to create_engine for PostgreSQL (e.g. poolclass=NullPool for a short-lived worker)."""
    url = url or database_url()
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: object) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    engine = create_engine(url, pool_pre_ping=True, **(options or {"pool_size": 10, "max_overflow": 20}))

    @event.listens_for(engine, "connect", insert=True)
    def _jit_off(dbapi_connection: Any, _record: object) -> None:
        # JIT off: the apps' queries are index-driven lookups and aggregates over one window or month, where the
        # planner's row estimates (a CTE, an anti-join) can be off enough to start compiling, and LLVM compilation
        # then costs more than the query (0.6 s of 0.85 s for the additional-charges list at 80,000 accounts).
        # A SET on connect rather than a startup option, which connection poolers such as PgBouncer refuse.
        autocommit = dbapi_connection.autocommit
        dbapi_connection.autocommit = True
        cursor = dbapi_connection.cursor()
        cursor.execute("SET jit = off")
        cursor.close()
        dbapi_connection.autocommit = autocommit

    return engine


def make_sessions(engine: Engine) -> sessionmaker[Session]:
    """One session per unit of work: `with sessions.begin() as s:` commits or rolls back as a whole."""
    return sessionmaker(engine, expire_on_commit=False)
