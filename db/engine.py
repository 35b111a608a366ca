"""Engine and session factory for a database URL (DATABASE_URL in core.config's settings; the default is an
embedded SQLite file under data/)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from db.prepared import PREPARED_NAMES

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "data" / "teplo.sqlite3"
DEFAULT_DATABASE_URL = f"sqlite:///{DEFAULT_SQLITE_PATH}"
# A process's pool on PostgreSQL (TEPLO_DB_POOL_SIZE, TEPLO_DB_MAX_OVERFLOW): sized so that several replicas, the
# jobs and the backup fit in the server's 100 connections (the README's "Connections" tells how to size them).
DEFAULT_POOL_SIZE = 5
DEFAULT_MAX_OVERFLOW = 5


def make_engine(url: str, *, prepare: bool = True, **options: Any) -> Engine:
    """`options` go to create_engine for PostgreSQL (pool_size and max_overflow from the settings, or
    poolclass=NullPool for a short-lived worker). `prepare` (TEPLO_DB_PREPARE): the statements db.prepared names
    are prepared on each connection, with generic plans."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    options = options or {"pool_size": DEFAULT_POOL_SIZE, "max_overflow": DEFAULT_MAX_OVERFLOW}
    engine = create_engine(url, pool_pre_ping=True, **options)

    @event.listens_for(engine, "connect", insert=True)
    def _session_settings(dbapi_connection: Any, record: Any) -> None:
        # JIT off: the apps' queries are index-driven lookups and aggregates over one window or month, where the
        # planner's row estimates (a CTE, an anti-join) can be off enough to start compiling, and LLVM compilation
        # then costs more than the query (0.6 s of 0.85 s for the additional-charges list at 80,000 accounts).
        # A SET on connect rather than a startup option, which connection poolers such as PgBouncer refuse.
        autocommit = dbapi_connection.autocommit
        dbapi_connection.autocommit = True
        cursor = dbapi_connection.cursor()
        cursor.execute("SET jit = off")
        if prepare:
            # Only prepared statements (db.prepared) and PL/pgSQL's are planned under this setting; plain ones are
            # planned for their values as before.
            cursor.execute("SET plan_cache_mode = force_generic_plan")
            record.info[PREPARED_NAMES] = set()
        cursor.close()
        dbapi_connection.autocommit = autocommit

    return engine


def make_sessions(engine: Engine) -> sessionmaker[Session]:
    """One session per unit of work: `with sessions.begin() as s:` commits or rolls back as a whole."""
    return sessionmaker(engine, expire_on_commit=False)


_shared_lock = threading.Lock()
_shared: dict[str, sessionmaker[Session]] = {}


def shared_sessions(url: str, **options: Any) -> sessionmaker[Session]:
    """The process's one engine (one connection pool) for `url`, as a session factory: an app's pages and its HTTP
    routes both ask here (through core.resources), so a process opens one pool, not one each.
    Another URL (a test's own database) replaces it, and the engine it replaces is disposed. `options` (the pool's
    size) count only when the engine is made."""
    with _shared_lock:
        found = _shared.get(url)
        if found is None:
            for old in _shared.values():
                old.kw["bind"].dispose()
            _shared.clear()
            found = _shared[url] = make_sessions(make_engine(url, **options))
        return found
