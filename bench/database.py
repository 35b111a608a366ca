"""The benchmark's database: create it, fill it once with the demo generator, remember how it was made.

A database made by the benchmark carries a small note (PostgreSQL: the database comment; SQLite: a
`<file>.bench.json` beside it) with the number of accounts and the business moment the data was generated for.
A later run with the same number of accounts reuses it instead of generating again.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.engine import make_url

from core import clock
from core.windows import default_bounds
from db.engine import make_engine
from db.migrate import upgrade
from db.models import Account

LOCAL_SERVER = "postgresql://postgres@127.0.0.1:5432"


def default_url(accounts: int, history_from: dt.date | None = None) -> str:
    """The local database of `accounts` accounts; one whose history starts later is a database of its own."""
    if accounts % 1_000_000 == 0:
        label = f"{accounts // 1_000_000}m"
    elif accounts % 1000 == 0:
        label = f"{accounts // 1000}k"
    else:
        label = str(accounts)
    since = f"_from{history_from:%Y%m}" if history_from is not None else ""
    return f"{LOCAL_SERVER}/teplo_bench_{label}{since}"


def dialect(url: str) -> str:
    return make_url(url).get_backend_name()


def server_args(url: str) -> list[str]:
    """The host, port and user arguments of PostgreSQL's command-line tools (psql, pg_dump) for `url`."""
    parsed = make_url(url)
    return ["-h", parsed.host or "127.0.0.1", "-p", str(parsed.port or 5432), "-U", parsed.username or "postgres"]


def sqlite_path(url: str) -> Path:
    database = make_url(url).database
    assert database, f"{url} names no database file"
    return Path(database)


def bench_moment(real_now: dt.datetime) -> dt.datetime:
    """The business moment the data is generated for: now if a reading window is open, otherwise the evening of
    the last day of the latest window, the peak of submissions (so row b always has an open window)."""
    local = real_now.astimezone(clock.KYIV)
    for months_back in (0, -1):
        opens, closes = default_bounds(clock.add_months(local.date().replace(day=1), months_back))
        if opens <= local < closes:
            return local.replace(microsecond=0)
    opens, closes = default_bounds(clock.add_months(local.date().replace(day=1), -1))
    if closes > local:  # the window of the previous month is still ahead? then the one before it
        opens, closes = default_bounds(clock.add_months(local.date().replace(day=1), -2))
    return (closes - dt.timedelta(hours=6)).astimezone(clock.KYIV)


@dataclass(frozen=True)
class Prepared:
    url: str
    dialect: str
    accounts: int
    now: dt.datetime
    generated: bool
    generation_seconds: float | None


def _admin_engine(url: str) -> Engine:
    return create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")


def _pg_exists(url: str) -> bool:
    name = make_url(url).database
    admin = _admin_engine(url)
    try:
        with admin.connect() as c:
            return c.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}) is not None
    finally:
        admin.dispose()


def _pg_create(url: str, drop: bool = False) -> None:
    name = make_url(url).database
    admin = _admin_engine(url)
    try:
        with admin.connect() as c:
            if drop:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            c.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()


def read_note(url: str, engine: Engine) -> dict | None:
    if dialect(url) == "postgresql":
        with engine.connect() as c:
            raw = c.scalar(
                text("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = current_database()")
            )
    else:
        path = Path(str(sqlite_path(url)) + ".bench.json")
        raw = path.read_text(encoding="utf-8") if path.exists() else None
    if not raw:
        return None
    try:
        note = json.loads(raw)
    except ValueError:
        return None
    return note.get("teplo_bench") if isinstance(note, dict) else None


def write_note(
    url: str,
    engine: Engine,
    accounts: int,
    now: dt.datetime,
    seconds: float,
    ordered: bool = False,
    complete: bool = True,
    history_from: dt.date | None = None,
) -> None:
    """`complete` False: written before generating, so a stopped generation is resumed for the same moment."""
    note = json.dumps(
        {
            "teplo_bench": {
                "accounts": accounts,
                "now": now.isoformat(),
                "generation_seconds": round(seconds, 1),
                "time_ordered": ordered,
                "complete": complete,
                "history_from": history_from.isoformat() if history_from else None,
            }
        }
    )
    if dialect(url) == "postgresql":
        name = make_url(url).database
        with engine.begin() as c:
            c.execute(text(f"COMMENT ON DATABASE \"{name}\" IS '{note}'"))
    else:
        Path(str(sqlite_path(url)) + ".bench.json").write_text(note, encoding="utf-8")


# The generator writes account by account; a utility's tables fill month by month (monthly charge imports, daily
# registries, readings per window), so on PostgreSQL the benchmark orders them by time once, as in production.
TIME_ORDER = (
    ("charges", "ix_charges_month_service"),
    ("payments", "ix_payments_paid_at"),
    ("readings", "ix_readings_window_status_meter"),
    ("audit_log", "ix_audit_log_at"),
)


def order_by_time(url: str, log=print) -> float:
    started = time.perf_counter()
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as c:
            for table, index in TIME_ORDER:
                log(f"  CLUSTER {table} USING {index} ...")
                c.execute(text(f"CLUSTER {table} USING {index}"))
            c.execute(text("VACUUM ANALYZE"))
    finally:
        engine.dispose()
    return time.perf_counter() - started


def count_accounts(engine: Engine) -> int:
    with engine.connect() as c:
        return c.scalar(select(func.count()).select_from(Account)) or 0


def prepare(
    url: str,
    accounts: int,
    fresh: bool = False,
    now: dt.datetime | None = None,
    log=print,
    history_from: dt.date | None = None,
) -> Prepared:
    """Make sure `url` holds the demo data for `accounts` accounts, its history from `history_from` (default: the
    generator's first month); generate it only when it is not there yet."""
    kind = dialect(url)
    if kind == "postgresql":
        if fresh or not _pg_exists(url):
            _pg_create(url, drop=fresh)
    elif fresh:
        path = sqlite_path(url)
        for suffix in ("", "-wal", "-shm", ".bench.json"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    engine = make_engine(url)
    try:
        upgrade(engine)
        existing = count_accounts(engine)
        note = read_note(url, engine)
        wanted = history_from.isoformat() if history_from else None
        if note is not None and note.get("history_from") != wanted:
            raise SystemExit(f"{url} holds a history from {note.get('history_from') or 2019}: use --fresh")
        if note is not None and note.get("complete") is False:
            if note.get("accounts") != accounts:
                raise SystemExit(f"{url} holds a stopped generation of {note.get('accounts')} accounts: use --fresh")
            return _generate(url, engine, accounts, dt.datetime.fromisoformat(note["now"]), log, existing, history_from)
        if existing:
            if existing != accounts:
                raise SystemExit(f"{url} holds {existing} accounts, not {accounts}: choose another database or --fresh")
            if note is None or "now" not in note:
                raise SystemExit(f"{url} holds {existing} accounts but no benchmark note: use --fresh to regenerate")
            moment = dt.datetime.fromisoformat(note["now"])
            log(f"reusing {existing} accounts generated for {moment:%Y-%m-%d %H:%M} (Kyiv)")
            if kind == "postgresql" and not note.get("time_ordered"):
                log("ordering the tables by time (once) ...")
                order_by_time(url, log)
                write_note(
                    url,
                    engine,
                    existing,
                    moment,
                    note.get("generation_seconds") or 0,
                    ordered=True,
                    history_from=history_from,
                )
            as_deployed(engine, moment, log)
            return Prepared(url, kind, existing, moment, False, note.get("generation_seconds"))
        return _generate(url, engine, accounts, now or bench_moment(clock.now()), log, 0, history_from)
    finally:
        engine.dispose()


def as_deployed(engine: Engine, moment: dt.datetime, log) -> None:
    """What the nightly jobs of a deployment would have done by `moment`: the total debt the overview compares
    with recorded (`balances`); the newest closed window's additional charges stored on the night it closed, so
    the additional-charges page opens on that list as a manager would find it, and the closed windows' figures
    recorded (`close-windows`). Each step finds its work done on a later run."""
    from core import additional_charges, balances, dashboard_readings, window_figures
    from core.windows import last_closed_window
    from db.engine import make_sessions

    sessions = make_sessions(engine)
    log("recording the total debt the overview compares with (the nightly job's work) ...")
    balances.record(sessions, now=moment)
    with sessions() as session:
        window = last_closed_window(session, moment)
    if window is not None and window.processed_at is None:
        log(f"storing the additional charges of the {window.period:%Y-%m} window (the close-windows job's work) ...")
        night = window.closes_at + dt.timedelta(minutes=20)
        additional_charges.process_window(sessions, window.id, actor="system:close-windows", now=night)
    log("recording the closed windows' figures for the charts (the close-windows job's work) ...")
    window_figures.record_closed(sessions, moment)
    dashboard_readings.record_closed_curves(sessions, moment)


def _generate(
    url: str, engine: Engine, accounts: int, moment: dt.datetime, log, existing: int, history_from: dt.date | None
) -> Prepared:
    """Generate (or resume: the generator keeps the chunks already committed) and note it as complete."""
    kind = dialect(url)
    earlier = 0.0
    if existing:
        earlier = (read_note(url, engine) or {}).get("generation_seconds") or 0.0
        log(f"resuming the generation of {accounts} accounts for {moment:%Y-%m-%d %H:%M} (Kyiv) after {existing}")
    else:
        log(f"generating {accounts} accounts for {moment:%Y-%m-%d %H:%M} (Kyiv) ...")
    write_note(url, engine, accounts, moment, earlier, complete=False, history_from=history_from)
    from demo import generator as demo

    started = time.perf_counter()
    last = [started]

    def progress(line: str) -> None:
        if time.perf_counter() - last[0] >= 30:  # a line every half minute or so, with the pace
            last[0] = time.perf_counter()
            log(f"{line} ({time.perf_counter() - started:.0f} s)")
            write_note(
                url,
                engine,
                accounts,
                moment,
                earlier + time.perf_counter() - started,
                complete=False,
                history_from=history_from,
            )

    time_order = dict(TIME_ORDER) if kind == "postgresql" else None
    summary = demo.generate(
        engine,
        size=accounts,
        now=moment,
        time_order=time_order,
        log=progress,
        first_month=history_from or demo.FIRST_MONTH,
    )
    seconds = earlier + time.perf_counter() - started
    if kind == "postgresql":
        # The generator ends with ANALYZE: VACUUM adds the visibility map the index-only scans read.
        with engine.connect() as c:
            c.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM"))
    write_note(url, engine, summary.accounts, moment, seconds, ordered=kind == "postgresql", history_from=history_from)
    as_deployed(engine, moment, log)
    log(
        f"generated in {seconds:.0f} s: {summary.accounts} accounts, {summary.charges} charges, "
        f"{summary.payments} payments, {summary.readings} readings, {summary.audit} audit rows"
    )
    return Prepared(url, kind, summary.accounts, moment, True, seconds)
