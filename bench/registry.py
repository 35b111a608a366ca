"""Row c: a bank payment registry of 1,000,000 rows imported through core.imports.commit (the operator's import
path, with its validation, duplicate detection and reconciliation), against loading the same file into a bare
table with psql's \\copy (on SQLite: a bare cursor's executemany).

The file is deterministic: rows for real accounts paid during the 30 days up to the benchmark's moment (a month
of daily registries, whatever day of the month the moment falls on), with a few exact repeats
(duplicates) and a few broken rows (wrong account format, unknown account, bad amount) that must be rejected.
The import refuses files above core.import_parsing.MAX_BYTES, so the file is imported in consecutive parts, as a bank's
daily registries would arrive; the rows added by the run are deleted afterwards.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import sqlite3
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from bench.database import server_args
from core.clock import KYIV

HEADER = "account_number;service;amount;paid_at;payment_ref;channel"


@dataclass
class Registry:
    path: Path
    rows: int
    duplicates: int
    broken: int  # rows that must be rejected
    bytes: int


@dataclass
class ImportRun:
    label: str
    rows_per_second: float | None
    rows: int
    seconds: float
    complete: bool
    added: int = 0
    duplicates: int = 0
    rejected: int = 0
    parts: int = 0
    note: str = ""
    details: dict = field(default_factory=dict)


def write_registry(engine, path: Path, rows: int, now: dt.datetime, seed: int = 3) -> Registry:
    """A `;`-separated UTF-8 registry of `rows` payments of the 30 days up to `now`, deterministic."""
    with engine.connect() as c:
        numbers = [n for (n,) in c.execute(text("SELECT number FROM accounts ORDER BY id"))]
    rng = random.Random(seed)
    local = now.astimezone(KYIV).replace(second=0, microsecond=0)
    span = 30 * 24 * 3600
    first_moment = local - dt.timedelta(seconds=span)
    channels = ["bank"] * 6 + ["post", "terminal"]
    services = ["heating", "hot_water", "опалення", "гаряча вода"]
    duplicates = broken = 0
    written: list[str] = []
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(HEADER + "\r\n")
        for index in range(rows):
            roll = rng.random()
            if written and roll < 0.005:
                line = written[rng.randrange(len(written))]
                duplicates += 1
            else:
                number = numbers[rng.randrange(len(numbers))]
                amount = f"{rng.randint(20, 4000)}.{rng.randint(0, 99):02d}"
                if roll < 0.006:
                    number, broken = number[:5] + "X" + number[6:], broken + 1
                elif roll < 0.007:
                    number, broken = "1199999" + f"{index:06d}", broken + 1
                elif roll < 0.008:
                    amount, broken = "12,3,4", broken + 1
                moment = first_moment + dt.timedelta(seconds=rng.randrange(span))
                line = (
                    f"{number};{rng.choice(services)};{amount};{moment:%Y-%m-%d %H:%M};"
                    f"BR{seed:02d}{index:09d};{rng.choice(channels)}"
                )
                if len(written) < 50_000 and roll >= 0.008:
                    written.append(line)
            out.write(line + "\r\n")
    return Registry(path, rows, duplicates, broken, path.stat().st_size)


def project_import(
    engine, sessions, registry: Registry, budget_seconds: float, part_rows: int, before_undo=None, after_undo=None
) -> ImportRun:
    """Import the registry file by file through core.imports.commit until done or the time budget is spent.

    Files hold at most `part_rows` rows and stay under core.import_parsing.MAX_BYTES; the first holds 1,000 rows and the
    next ones are sized from the rate seen so far, so a slow import stops close to the budget.
    `before_undo(before_batch, rows)` runs while the import's rows are there, `after_undo(rows)` once removed."""
    from core.import_parsing import MAX_BYTES
    from core.imports import commit
    from web.startup import keep_loaded_code_out_of_collections

    with registry.path.open(encoding="utf-8", newline="") as source:
        next(source)
        lines = source.readlines()
    bytes_per_row = max(1, registry.bytes // max(1, registry.rows))
    limit = max(1, min(part_rows, (MAX_BYTES - 1000) // bytes_per_row))
    with engine.connect() as c:
        before_audit = c.scalar(text("SELECT COALESCE(MAX(id), 0) FROM audit_log"))
        before_batch = c.scalar(text("SELECT COALESCE(MAX(id), 0) FROM import_batches"))
    # The staff server imports a file after its start has left what it loaded out of the garbage collector's reach
    # (web.startup); this process does the same with what it has loaded.
    keep_loaded_code_out_of_collections()
    rows = added = duplicates = rejected = parts = 0
    seconds = 0.0
    note = ""
    if registry.bytes > MAX_BYTES:
        note = (
            f"{registry.bytes / 1e6:.0f} MB file is above the import's {MAX_BYTES / 1e6:.0f} MB limit: "
            f"imported as files of ≤ {limit:,} rows"
        )
    try:
        size = min(limit, 1000)
        while rows < len(lines) and seconds < budget_seconds:
            chunk = lines[rows : rows + size]
            data = (HEADER + "\r\n" + "".join(chunk)).encode("utf-8")
            began = time.perf_counter()
            result = commit(sessions, "bank", f"{registry.path.stem}-{parts + 1:04d}.csv", data, "benchmark")
            seconds += time.perf_counter() - began
            parts += 1
            rows += result.rows_total
            added += result.rows_added
            duplicates += len(result.duplicates)
            rejected += len(result.rejected)
            rate = rows / seconds if seconds else 0
            size = max(100, min(limit, int(rate * (budget_seconds - seconds))))
        if before_undo is not None:
            before_undo(before_batch, rows)
    finally:
        undo_import(engine, before_batch, before_audit)
    if after_undo is not None:
        after_undo(rows)
    if rejected > max(100, 2 * registry.broken * rows / max(1, registry.rows)):
        raise RuntimeError(
            f"the import rejected {rejected:,} of {rows:,} rows, where the file has {registry.broken:,} broken rows "
            f"in {registry.rows:,}: the run would time rejections, not an import"
        )
    complete = rows >= len(lines)
    if not complete:
        note = (note + "; " if note else "") + (
            f"time budget {budget_seconds:.0f} s: {rows:,} of {registry.rows:,} rows imported, rate measured on those"
        )
    return ImportRun(
        "core.imports.commit",
        rows / seconds if seconds else None,
        rows,
        seconds,
        complete,
        added,
        duplicates,
        rejected,
        parts,
        note,
    )


def undo_import(engine, before_batch: int, before_audit: int) -> None:
    from bench.submissions import cleanup_transaction
    from core import rollups
    from db.models import Payment

    with cleanup_transaction(engine) as c:
        # The import counted its payments into the day totals and the balances: they are taken back first.
        rollups.uncount_payments(
            c,
            c.execute(
                select(Payment.account_id, Payment.service, Payment.channel, Payment.paid_at, Payment.amount).where(
                    Payment.import_batch_id > before_batch
                )
            ).all(),
        )
        c.execute(text("DELETE FROM registry_matches WHERE import_batch_id > :b"), {"b": before_batch})
        c.execute(text("DELETE FROM payments WHERE import_batch_id > :b"), {"b": before_batch})
        c.execute(text("DELETE FROM import_batches WHERE id > :b"), {"b": before_batch})
        c.execute(text("DELETE FROM audit_log WHERE id > :a"), {"a": before_audit})


SHAPED_TABLES = {  # the tables the import writes and their columns, parents first
    "import_batches": "id, kind, filename, file_sha256, created_at, created_by, rows_total, rows_added, "
    "rows_duplicate, rows_rejected, rows_conflict",
    "payments": "id, account_id, service, amount, paid_at, channel, source, external_ref, import_batch_id",
    "registry_matches": "id, import_batch_id, source, external_ref, order_id, account_id, service, amount, paid_at, "
    "outcome, issue, intent_id, payment_id, created_at",
}
TIMED_TABLES = ("payments", "registry_matches")  # the batches are the import's bookkeeping: copied, not timed


def export_written(url: str, work: Path, before_batch: int) -> dict[str, Path]:
    """The rows the import wrote (its batches, payments and registry matches), each table to a file for \\copy;
    run before the import's rows are deleted."""
    base, env = _psql(url)
    files = {table: work / f"shaped-{table}.tsv" for table in SHAPED_TABLES}
    for table, columns in SHAPED_TABLES.items():
        key = "id" if table == "import_batches" else "import_batch_id"
        subprocess.run(
            [
                *base,
                "-c",
                f"\\copy (SELECT {columns} FROM {table} WHERE {key} > {before_batch} ORDER BY id) TO '{files[table]}'",
            ],
            check=True,
            capture_output=True,
            text=True,
            env=env,
        )
    return files


def shaped_copy_reference(url: str, files: dict[str, Path], file_rows: int) -> ImportRun:
    """psql \\copy of exactly the rows the import wrote (its payments and registry matches) into those same tables,
    with their real size, indexes, constraints and foreign keys, in a transaction rolled back: what the database
    itself needs to store them, before any parsing, validation or duplicate check. Run after the import's rows
    were deleted and the tables vacuumed (as they were when the import wrote them); the batches the rows point at
    are copied first, untimed. Rate: the file's rows per second, as for the import."""
    base, env = _psql(url)
    vacuum = [*base, "-c", f"VACUUM {', '.join(SHAPED_TABLES)}"]
    try:
        subprocess.run(vacuum, check=True, capture_output=True, text=True, env=env)
        run = subprocess.run(
            [
                *base,
                "-c",
                "BEGIN",
                "-c",
                f"\\copy import_batches ({SHAPED_TABLES['import_batches']}) FROM '{files['import_batches']}'",
                "-c",
                "\\timing on",
                *(
                    x
                    for table in TIMED_TABLES
                    for x in ("-c", f"\\copy {table} ({SHAPED_TABLES[table]}) FROM '{files[table]}'")
                ),
                "-c",
                "\\timing off",
                "-c",
                "ROLLBACK",
            ],
            check=True,
            capture_output=True,
            text=True,
            env=env,
        )
        seconds = sum(float(ms) for ms in re.findall(r"Time: ([\d.]+) ms", run.stdout)) / 1000
        subprocess.run(vacuum, check=True, capture_output=True, text=True, env=env)
    finally:
        for path in files.values():
            path.unlink(missing_ok=True)
    return ImportRun(
        "psql \\copy of the rows it wrote into payments and registry_matches themselves (rolled back)",
        file_rows / seconds if seconds else None,
        file_rows,
        seconds,
        True,
    )


def _psql(url: str) -> tuple[list[str], dict | None]:
    import os

    parsed = make_url(url)
    assert parsed.database, f"{url} names no database"
    base = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", *server_args(url), "-d", parsed.database]
    return base, (dict(os.environ, PGPASSWORD=parsed.password) if parsed.password else None)


COPY_TABLE = "bench_registry_copy"
COPY_COLUMNS = "account_number text, service text, amount text, paid_at text, payment_ref text, channel text"


def copy_reference(url: str, registry: Registry) -> ImportRun:
    """psql \\copy of the whole file into a bare table (text columns, no index, no constraint)."""
    base, env = _psql(url)
    subprocess.run(
        [*base, "-c", f"DROP TABLE IF EXISTS {COPY_TABLE}", "-c", f"CREATE TABLE {COPY_TABLE} ({COPY_COLUMNS})"],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    )
    try:
        began = time.perf_counter()
        run = subprocess.run(
            [
                *base,
                "-c",
                "\\timing on",
                "-c",
                f"\\copy {COPY_TABLE} FROM '{registry.path}' WITH (FORMAT csv, DELIMITER ';', HEADER true)",
            ],
            check=True,
            capture_output=True,
            text=True,
            env=env,
        )
        wall = time.perf_counter() - began
        match = re.search(r"Time: ([\d.]+) ms", run.stdout)
        seconds = float(match.group(1)) / 1000 if match else wall
    finally:
        subprocess.run([*base, "-c", f"DROP TABLE IF EXISTS {COPY_TABLE}"], capture_output=True, text=True, env=env)
    return ImportRun("psql \\copy into a bare table", registry.rows / seconds, registry.rows, seconds, True)


def sqlite_reference(path: str, registry: Registry) -> ImportRun:
    """A bare sqlite3 cursor: executemany of the file's rows into a bare table in one transaction."""
    import csv

    connection = sqlite3.connect(path, timeout=30)
    try:
        connection.execute(f"DROP TABLE IF EXISTS {COPY_TABLE}")
        connection.execute(f"CREATE TABLE {COPY_TABLE} ({COPY_COLUMNS})")
        connection.commit()
        began = time.perf_counter()
        with registry.path.open(encoding="utf-8", newline="") as source:
            reader = csv.reader(source, delimiter=";")
            next(reader)
            connection.executemany(f"INSERT INTO {COPY_TABLE} VALUES (?, ?, ?, ?, ?, ?)", reader)
        connection.commit()
        seconds = time.perf_counter() - began
        connection.execute(f"DROP TABLE {COPY_TABLE}")
        connection.commit()
    finally:
        connection.close()
    return ImportRun(
        "bare sqlite3 executemany into a bare table", registry.rows / seconds, registry.rows, seconds, True
    )
