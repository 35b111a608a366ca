"""Row b: meter readings submitted through core.readings.submit_reading (the consumer app's own service) by
concurrent worker processes, against pgbench -N on the same PostgreSQL server (on SQLite: the same small
pgbench -N transaction written with a bare sqlite3 cursor).

Every reading the run adds is removed afterwards (and the readings it superseded restored), so the database
stays as generated and runs remain comparable.
"""

from __future__ import annotations

import datetime as dt
import glob
import multiprocessing
import os
import queue
import random
import re
import shutil
import sqlite3
import subprocess
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Integer, text
from sqlalchemy.engine import make_url

from bench.stats import percentile
from db.models import Volume

PGBENCH_SCALE = 16


@dataclass
class Throughput:
    label: str
    per_second: float | None
    p50_ms: float | None
    p95_ms: float | None
    done: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    note: str = ""


# --- the project: submit_reading from worker processes ------------------------------------------------------------


def candidates(engine, limit: int, seed: int = 7) -> list[tuple[int, int, str]]:
    """(login id, meter id, last accepted value) of consumers who may submit for a hot-water meter."""
    with engine.connect() as c:
        rows = c.execute(
            text(
                """
            SELECT l.login_id, m.id,
                   COALESCE((SELECT r.value FROM readings r WHERE r.meter_id = m.id AND r.status = 'accepted'
                             ORDER BY r.submitted_at DESC, r.id DESC LIMIT 1), m.initial_value) AS value
            FROM consumer_account_links l
            JOIN meters m ON m.account_id = l.account_id AND m.removed_on IS NULL AND m.service = 'hot_water'
            ORDER BY m.id
            """
            ).columns(login_id=Integer, id=Integer, value=Volume)
        ).all()  # Volume: SQLite stores litres
    random.Random(seed).shuffle(rows)
    return [(login, meter, str(value)) for login, meter, value in rows[:limit]]


def _submitted_value(last: str, index: int, count: int) -> Decimal:
    """A little above the meter's last reading; each later round through the meters resubmits a bit higher."""
    return Decimal(last) + Decimal("1.234") + Decimal("0.001") * (index // count)


def _timed_rounds(items, seconds: float, ready, start, submit, failed) -> tuple[list[float], dict[str, int]]:
    """Released with the other workers, `submit(login_id, meter_id, value)` round the meters until `seconds` are
    over: each submission's latency (ms), or per error key (`failed(exc)`, which re-raises what is no result) how
    many failed."""
    ready.release()
    start.wait()
    latencies: list[float] = []
    errors: dict[str, int] = {}
    index = 0
    deadline = time.perf_counter() + seconds
    while items and time.perf_counter() < deadline:
        login_id, meter_id, last = items[index % len(items)]
        value = _submitted_value(last, index, len(items))
        began = time.perf_counter()
        try:
            submit(login_id, meter_id, value)
            latencies.append((time.perf_counter() - began) * 1000)
        except Exception as exc:
            key = failed(exc)
            errors[key] = errors.get(key, 0) + 1
        index += 1
    return latencies, errors


def _submit_worker(url, items, seconds, now_iso, ready, start, results):
    from core.errors import DomainError, NeedsConfirmation
    from core.readings import submit_reading
    from db.engine import make_engine, make_sessions

    os.environ["TEPLO_NOW"] = now_iso
    from core import config

    config.use(None)  # the settings are built again from the environment, with the clock pinned
    engine = make_engine(url, prepare=config.settings().db_prepare)  # TEPLO_DB_PREPARE=off: the A/B of db.prepared
    sessions = make_sessions(engine)
    now = dt.datetime.fromisoformat(now_iso)
    with engine.connect() as c:
        c.execute(text("SELECT 1"))

    def submit(login_id, meter_id, value):
        submit_reading(sessions, login_id, meter_id, f"{value:.3f}".replace(".", ","), confirm_replace=True, now=now)

    def failed(exc: Exception) -> str:
        if isinstance(exc, (DomainError, NeedsConfirmation)):
            return getattr(exc, "key", type(exc).__name__)
        return type(exc).__name__  # a database error is a result of the benchmark, not a crash of it

    latencies, errors = _timed_rounds(items, seconds, ready, start, submit, failed)
    engine.dispose()
    results.put((latencies, errors))


def _run_workers(target, per_worker_args, seconds) -> tuple[list[float], dict[str, int], float]:
    context = multiprocessing.get_context("fork")
    ready, start, results = context.Semaphore(0), context.Event(), context.Queue()
    processes = [
        context.Process(target=target, args=(*args, seconds, *extra, ready, start, results), daemon=True)
        for args, extra in per_worker_args
    ]
    for p in processes:
        p.start()

    def alive() -> None:  # a worker that died (an error in it) would leave the benchmark waiting for ever
        failed = [p.exitcode for p in processes if p.exitcode not in (None, 0)]
        if failed:
            raise RuntimeError(f"a benchmark worker failed (exit codes {failed}); its error is printed above")

    for _ in processes:
        while not ready.acquire(timeout=1):
            alive()
    began = time.perf_counter()
    start.set()
    latencies: list[float] = []
    errors: dict[str, int] = {}
    for _ in processes:
        while True:
            try:
                lat, err = results.get(timeout=1)
                break
            except queue.Empty:
                alive()
        latencies.extend(lat)
        for key, n in err.items():
            errors[key] = errors.get(key, 0) + n
    elapsed = time.perf_counter() - began
    for p in processes:
        p.join()
    return latencies, errors, elapsed


def _submit_from_workers(
    engine, url: str, now: dt.datetime, workers: int, seconds: float, worker, label: str
) -> Throughput:
    """Consumers' readings submitted by `worker` in `workers` processes; every row they add is removed after."""
    pool = candidates(engine, limit=200_000)
    if not pool:
        return Throughput(label, None, None, None, note="no consumer with a meter")
    with engine.connect() as c:
        before_reading = c.scalar(text("SELECT COALESCE(MAX(id), 0) FROM readings"))
        before_audit = c.scalar(text("SELECT COALESCE(MAX(id), 0) FROM audit_log"))
    engine.dispose()
    shares = [(url, pool[i::workers]) for i in range(workers)]
    try:
        latencies, errors, elapsed = _run_workers(worker, [(share, (now.isoformat(),)) for share in shares], seconds)
    finally:
        undo_submissions(engine, before_reading, before_audit)
    return Throughput(
        label,
        len(latencies) / elapsed if elapsed else None,
        percentile(latencies, 50),
        percentile(latencies, 95),
        len(latencies),
        errors,
    )


def project_submissions(engine, url: str, now: dt.datetime, workers: int, seconds: float) -> Throughput:
    return _submit_from_workers(engine, url, now, workers, seconds, _submit_worker, "submit_reading")


@contextmanager
def cleanup_transaction(engine):
    """A transaction for deleting the benchmark's own rows without the per-row foreign-key checks, which would
    scan the whole readings/charges tables for every deleted row, since the referencing columns
    (readings.superseded_by_id, *.import_batch_id, registry_matches.payment_id) carry no index.
    PostgreSQL: session_replication_role (superuser only, else the checks run); SQLite: foreign_keys off."""
    with engine.connect() as c:
        sqlite = c.dialect.name == "sqlite"
        if sqlite:
            c.exec_driver_sql("PRAGMA foreign_keys=OFF")
            c.commit()
        try:
            with c.begin():
                if (
                    c.dialect.name == "postgresql"
                    and c.exec_driver_sql("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").scalar()
                ):
                    c.exec_driver_sql("SET LOCAL session_replication_role = replica")
                yield c
        finally:
            if sqlite:
                c.exec_driver_sql("PRAGMA foreign_keys=ON")
                c.commit()


def undo_submissions(engine, before_reading: int, before_audit: int) -> None:
    from core import rollups

    with cleanup_transaction(engine) as c:
        # The windows the run submitted into: their standing readings are counted again once the run's are gone.
        windows = c.scalars(
            text("SELECT DISTINCT window_id FROM readings WHERE id > :id AND window_id IS NOT NULL"),
            {"id": before_reading},
        ).all()
        # The run's readings step aside first: one reading per meter and window may stand (a unique index).
        c.execute(
            text("UPDATE readings SET status = 'superseded', superseded_by_id = NULL WHERE id > :id"),
            {"id": before_reading},
        )
        c.execute(
            text(
                "UPDATE readings SET status = 'accepted', superseded_by_id = NULL "
                "WHERE superseded_by_id > :id AND id <= :id"
            ),
            {"id": before_reading},
        )
        c.execute(text("DELETE FROM readings WHERE id > :id"), {"id": before_reading})
        c.execute(text("DELETE FROM audit_log WHERE id > :id"), {"id": before_audit})
        rollups.recount_windows(c, windows)


# --- the same statements through a bare cursor: the database's own cost of a submission -----------------------


def _compiled_submission_statements() -> dict:
    """The SQL core.readings sends for a submission, compiled once for psycopg2: per step, the SQL and how to make
    its parameters from the step's values. The two reads the project prepares (db.prepared) are EXECUTEd here too,
    after `_prepare`, unless TEPLO_DB_PREPARE=off, as the project's own connections do."""
    from sqlalchemy import insert
    from sqlalchemy.dialects.postgresql import psycopg2 as pg

    from core import meter_history, reading_record, readings
    from core.config import settings
    from db.models import AuditLog

    dialect = pg.dialect()
    reading_columns = [
        "meter_id",
        "window_id",
        "value",
        "consumption",
        "submitted_at",
        "channel",
        "status",
        "quality",
        "flagged",
        "flag_reason",
        "receipt_number",
        "login_id",
        "source",
        "external_ref",
        "import_batch_id",
    ]
    audit_columns = ["at", "actor_type", "actor", "action", "entity", "entity_id", "details"]
    steps = {
        "insert": reading_record._INSERT.compile(dialect=dialect, column_keys=reading_columns),
        "step_aside": reading_record._STEP_ASIDE.compile(dialect=dialect),
        "supersede": reading_record._SUPERSEDE.compile(dialect=dialect),
        "audit": insert(AuditLog).compile(dialect=dialect, column_keys=audit_columns),
    }
    # The window's totals (core.rollups): a standing reading counted for its street and channel.
    totals = (
        "INSERT INTO window_reading_totals (window_id, street, channel, accepted) "
        "VALUES (%(window_id)s, %(street)s, %(channel)s, %(accepted)s) ON CONFLICT (window_id, street, channel) "
        "DO UPDATE SET accepted = window_reading_totals.accepted + excluded.accepted"
    )
    prepared = {"context": readings._SUBMISSION_CONTEXT, "history": meter_history._HISTORY}
    if not settings().db_prepare:
        steps |= {name: statement.statement.compile(dialect=dialect) for name, statement in prepared.items()}
        prepared = {}
    return (
        {name: (str(compiled), compiled.construct_params) for name, compiled in steps.items()}
        | {"totals": (totals, lambda values: values)}
        | {name: (_execute_sql(statement), statement.parameters) for name, statement in prepared.items()}
        | {"_prepare": [statement.prepare_sql for statement in prepared.values()]}
    )


def _execute_sql(statement) -> str:
    """A db.prepared statement's EXECUTE, with psycopg2's placeholders."""
    return f"EXECUTE {statement.name}({', '.join(f'%({position})s' for position in statement.positions)})"


def _statements_worker(url, items, seconds, now_iso, ready, start, results):
    """One submission = the project's statements in one transaction (the window's totals too), values computed
    minimally in Python."""
    import json
    import secrets

    import psycopg2

    from bench import reference

    connection = reference.connect(url)  # JIT off, as the project's own connections (db.engine)
    steps = _compiled_submission_statements()
    with connection.cursor() as cursor:  # the project's two prepared reads, as db.engine and db.prepared do
        prepare = steps.pop("_prepare")
        if prepare:
            cursor.execute("SET plan_cache_mode = force_generic_plan")
        for sql in prepare:
            cursor.execute(sql)
    connection.commit()
    now = dt.datetime.fromisoformat(now_iso)
    since = now - dt.timedelta(days=365)

    def run(cursor, name, values):
        sql, parameters = steps[name]
        cursor.execute(sql, parameters(values))

    def submit(login_id, meter_id, value):
        with connection.cursor() as cursor:
            run(cursor, "context", {"login_id": login_id, "meter_id": meter_id, "now": now})
            context = cursor.fetchone()
            window_id, period = context[5], context[6]
            run(
                cursor,
                "history",
                {
                    "meter_id": meter_id,
                    "window_id": window_id,
                    "period": period,
                    "at": now,
                    "cutoff": since,
                    "day": now.date(),
                },
            )
            history = next(row for row in cursor.fetchall() if row[0] == meter_id)
            previous = history[10] if history[10] is not None else context[2]
            current_id = history[13]
            stepped_aside = None
            if current_id is not None:
                run(cursor, "step_aside", {"current_id": current_id})
                stepped_aside = cursor.fetchone()[0]
            receipt = f"{period:%Y%m}-{secrets.token_hex(5).upper()}"
            run(
                cursor,
                "insert",
                {
                    "meter_id": meter_id,
                    "window_id": window_id,
                    "value": value,
                    "consumption": value - previous,
                    "submitted_at": now,
                    "channel": "cabinet",
                    "status": "accepted",
                    "quality": "actual",
                    "flagged": False,
                    "flag_reason": None,
                    "receipt_number": receipt,
                    "login_id": login_id,
                    "source": None,
                    "external_ref": None,
                    "import_batch_id": None,
                },
            )
            reading_id = cursor.fetchone()[0]
            if stepped_aside != "cabinet":  # the totals change unless a cabinet reading replaced one of its own
                changes = {"cabinet": 1} | ({stepped_aside: -1} if stepped_aside is not None else {})
                for channel, accepted in sorted(changes.items()):
                    values = {"window_id": window_id, "street": context[10], "channel": channel, "accepted": accepted}
                    run(cursor, "totals", values)
            if current_id is not None:
                run(cursor, "supersede", {"current_id": current_id, "reading_id": reading_id})
            run(
                cursor,
                "audit",
                {
                    "at": now,
                    "actor_type": "consumer",
                    "actor": context[3],
                    "action": "reading.submitted",
                    "entity": "meter",
                    "entity_id": context[1],
                    "details": json.dumps({"value": str(value), "channel": "cabinet", "receipt": receipt}),
                },
            )
        connection.commit()

    def failed(exc: Exception) -> str:
        if not isinstance(exc, psycopg2.Error):
            raise exc
        connection.rollback()
        return type(exc).__name__

    latencies, errors = _timed_rounds(items, seconds, ready, start, submit, failed)
    connection.close()
    results.put((latencies, errors))


def statements_reference(engine, url: str, now: dt.datetime, workers: int, seconds: float) -> Throughput:
    """The statements a submission sends (meter, login and window; the meter's history; the reading; the replaced
    one; the audit row), replayed through bare psycopg2 cursors by the same number of worker processes: what
    the database needs for the work itself, with no ORM, no validation and no domain code around it."""
    return _submit_from_workers(
        engine, url, now, workers, seconds, _statements_worker, "the same statements, bare psycopg2 cursors"
    )


# --- the reference on PostgreSQL: pgbench -N --------------------------------------------------------------------------


def find_pgbench() -> str | None:
    found = shutil.which("pgbench")
    if found:
        return found
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin/pgbench"), reverse=True):
        return candidate
    return None


def _libpq(url: str, database: str | None = None) -> tuple[list[str], dict]:
    parsed = make_url(url)
    args = ["-h", parsed.host or "127.0.0.1", "-p", str(parsed.port or 5432), "-U", parsed.username or "postgres"]
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = parsed.password
    name = database or parsed.database
    assert name, f"{url} names no database"
    return [*args, name], env


def pgbench_reference(
    url: str, clients: int, seconds: float, database: str | None, schema: str | None = None, scale: int = PGBENCH_SCALE
) -> Throughput:
    """pgbench -N with `clients` clients for `seconds` against a scratch database on the same server (or a
    scratch schema of the benchmark's own database when `schema` is given), with per-transaction latencies."""
    binary = find_pgbench()
    if binary is None:
        return Throughput("pgbench -N", None, None, None, note="pgbench not found (apt-get install postgresql-contrib)")
    from sqlalchemy import create_engine

    admin_url = make_url(url).set(database="postgres")
    if schema is None:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            if c.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": database}) is None:
                c.execute(text(f'CREATE DATABASE "{database}"'))
        admin.dispose()
        target = make_url(url).set(database=database)
    else:
        target = make_url(url)
    args, env = _libpq(target.render_as_string(hide_password=False))
    scratch = create_engine(target, isolation_level="AUTOCOMMIT")
    if schema is not None:
        env["PGOPTIONS"] = f"-c search_path={schema}"
        with scratch.connect() as c:
            c.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    try:
        with scratch.connect() as c:
            if schema is not None:
                c.execute(text(f'SET search_path TO "{schema}"'))
            try:
                branches = c.scalar(text("SELECT count(*) FROM pgbench_branches"))
            except Exception:
                branches = None
        if branches != scale:
            subprocess.run(
                [binary, "-i", "-q", "-s", str(scale), *args], env=env, check=True, capture_output=True, text=True
            )
        with tempfile.TemporaryDirectory(prefix="teplo-pgbench-") as tmp:
            run = subprocess.run(
                [
                    binary,
                    "-N",
                    "-c",
                    str(clients),
                    "-j",
                    str(min(clients, os.cpu_count() or 2)),
                    "-T",
                    str(max(1, round(seconds))),
                    "-l",
                    "--log-prefix",
                    str(Path(tmp) / "tx"),
                    *args,
                ],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            latencies = []
            for log in Path(tmp).glob("tx*"):
                for line in log.read_text().splitlines():
                    parts = line.split()
                    if len(parts) >= 3 and parts[2].isdigit():
                        latencies.append(int(parts[2]) / 1000)
        match = re.search(r"tps = ([\d.]+) \(without initial connection time\)", run.stdout)
        tps = float(match.group(1)) if match else None
        done = re.search(r"number of transactions actually processed: (\d+)", run.stdout)
        return Throughput(
            "pgbench -N",
            tps,
            percentile(latencies, 50),
            percentile(latencies, 95),
            int(done.group(1)) if done else len(latencies),
        )
    finally:
        if schema is not None:
            with scratch.connect() as c:
                c.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        scratch.dispose()


# --- the reference on SQLite: the pgbench -N transaction through a bare cursor ------------------------------------


def _sqlite_tx_worker(path, worker, seconds, ready, start, results):
    connection = sqlite3.connect(path, timeout=30, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    rng = random.Random(worker)
    ready.release()
    start.wait()
    latencies, errors = [], {}
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        aid, delta = rng.randint(1, 100_000), rng.randint(-5000, 5000)
        began = time.perf_counter()
        try:
            connection.execute("BEGIN IMMEDIATE")
            connection.execute("UPDATE accounts SET abalance = abalance + ? WHERE aid = ?", (delta, aid))
            connection.execute("SELECT abalance FROM accounts WHERE aid = ?", (aid,)).fetchone()
            connection.execute(
                "INSERT INTO history (tid, bid, aid, delta, mtime) VALUES (?, ?, ?, ?, ?)",
                (worker, 1, aid, delta, time.time()),
            )
            connection.execute("COMMIT")
            latencies.append((time.perf_counter() - began) * 1000)
        except sqlite3.Error as exc:
            connection.execute("ROLLBACK") if connection.in_transaction else None
            errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
    connection.close()
    results.put((latencies, errors))


def sqlite_reference(directory: Path, clients: int, seconds: float) -> Throughput:
    path = directory / "bench-pgbench.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("CREATE TABLE accounts (aid INTEGER PRIMARY KEY, bid INTEGER, abalance INTEGER, filler TEXT)")
    connection.execute(
        "CREATE TABLE history (tid INTEGER, bid INTEGER, aid INTEGER, delta INTEGER, mtime REAL, filler TEXT)"
    )
    connection.executemany("INSERT INTO accounts VALUES (?, 1, 0, ?)", ((i, " " * 84) for i in range(1, 100_001)))
    connection.commit()
    connection.close()
    latencies, errors, elapsed = _run_workers(
        _sqlite_tx_worker, [((str(path), worker), ()) for worker in range(clients)], seconds
    )
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    return Throughput(
        "bare sqlite3, pgbench -N transaction",
        len(latencies) / elapsed if elapsed else None,
        percentile(latencies, 50),
        percentile(latencies, 95),
        len(latencies),
        errors,
    )
