"""The demo generator's pace on PostgreSQL: accounts per second end to end, where the time goes, and the disk each
account takes, for this tree and (side by side, in the same run) a baseline revision.

Each variant fills a scratch database of its own from scratch in a fresh interpreter (the variant's own demo/,
core/ and db/ first on the path), for the same business moment and seed. The phases are the wall time spent in
the generator's steps as seen from its process: making the rows (or, when another process makes them, waiting for
them), writing them (COPY), the audit trail, the index builds, the totals and the recorded debt; "other" is the
rest (migrating, windows, staff users, ordering by time, VACUUM ANALYZE). The load average is printed with every figure: the machine is shared.

    .venv/bin/python -m bench.generator_speed --accounts 4000 20000 [--baseline main] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVER = "postgresql://postgres@127.0.0.1:5432"
# The business moment of every run: the same rows for the same seed, whatever the day the benchmark runs.
MOMENT = "2026-11-27T12:00:00+02:00"
BIG_TABLES = ("accounts", "meters", "consumer_logins", "consumer_account_links", "charges", "payments", "readings")


def _load() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def _measure(source: str, url: str, accounts: int) -> dict:
    """In this process (the variant's tree first on the path): fill `url` afresh as the benchmark does
    (bench.database.prepare: migrate, generate, order by time, VACUUM ANALYZE), timing each step."""
    sys.path.insert(0, source)
    import datetime as dt

    from sqlalchemy import create_engine, text

    from bench import database
    from core import balances, rollups
    from demo import audit_trail, bulk
    from demo import generator as demo

    phases: dict[str, float] = {}

    def timed(module, name, phase):
        original = getattr(module, name)

        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                phases[phase] = phases.get(phase, 0.0) + time.perf_counter() - started

        setattr(module, name, wrapper)

    marks: dict[str, float] = {}

    def mark(module, name, when, key):
        original = getattr(module, name)

        def wrapper(*args, **kwargs):
            if when == "before":
                marks[key] = time.perf_counter()
            result = original(*args, **kwargs)
            if when == "after":
                marks[key] = time.perf_counter()
            return result

        setattr(module, name, wrapper)

    mark(bulk, "drop_indexes", "after", "chunks_from")
    mark(demo, "_finish", "before", "chunks_to")
    timed(bulk, "write", "copy")
    timed(audit_trail, "write_chunk", "audit")
    timed(bulk, "build_indexes", "indexes")
    timed(balances, "rebuild", "balances")
    timed(rollups, "rebuild", "totals")
    load_before = _load()
    started = time.perf_counter()
    database.prepare(url, accounts, fresh=True, now=dt.datetime.fromisoformat(MOMENT), log=lambda _line: None)
    total = time.perf_counter() - started
    # The chunks' time beyond their COPY and audit rows: making the rows (or waiting for the process making them).
    phases["rows"] = marks["chunks_to"] - marks["chunks_from"] - phases["copy"] - phases["audit"]
    phases["other"] = total - sum(phases.values())
    load_after = _load()
    with create_engine(url, isolation_level="AUTOCOMMIT").connect() as c:
        sizes = {
            table: c.scalar(text(f"SELECT pg_total_relation_size('{table}')")) for table in (*BIG_TABLES, "audit_log")
        }
        database_bytes = c.scalar(text("SELECT pg_database_size(current_database())"))
        rows = {table: c.scalar(text(f"SELECT count(*) FROM {table}")) for table in (*BIG_TABLES[4:], "audit_log")}
    return {
        "accounts": accounts,
        "seconds": total,
        "per_second": accounts / total,
        "phases": phases,
        "load_before": load_before,
        "load_after": load_after,
        "rows": rows,
        "bytes_per_account": {t: s / accounts for t, s in sizes.items()},
        "database_bytes_per_account": database_bytes / accounts,
    }


def _baseline_tree(revision: str, into: Path) -> str:
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    (into / "bench" / "generator_speed.py").write_text(Path(__file__).read_text(encoding="utf-8"), encoding="utf-8")
    return str(into)


def _run(source: str, url: str, accounts: int) -> dict:
    """One variant in a fresh interpreter, so each imports its own tree."""
    out = subprocess.run(
        [sys.executable, "-m", "bench.generator_speed", "--measure", source, url, str(accounts)],
        cwd=source,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _drop(url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = make_url(url).database
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _print(label: str, result: dict) -> None:
    phases = "  ".join(f"{k} {v:.1f}" for k, v in result["phases"].items())
    print(
        f"{label:9} {result['accounts']:>7} accounts {result['seconds']:8.1f} s {result['per_second']:7.1f} acc/s"
        f"  load {result['load_before']} -> {result['load_after']}"
    )
    print(f"{'':9} phases (s): {phases}")
    per_table = "  ".join(f"{t} {b / 1024:.1f}" for t, b in result["bytes_per_account"].items())
    print(f"{'':9} KiB/account: {per_table}  database {result['database_bytes_per_account'] / 1024:.1f}")
    print(f"{'':9} rows: {result['rows']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, nargs="+", default=[4000])
    parser.add_argument("--baseline", default="main", help="a git revision to compare with ('' for none)")
    parser.add_argument("--database", default="teplo_gen_speed", help="prefix of the scratch databases")
    parser.add_argument("--keep", action="store_true", help="keep the scratch databases")
    parser.add_argument("--measure", nargs=3, metavar=("SOURCE", "URL", "ACCOUNTS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        source, url, accounts = args.measure
        print(json.dumps(_measure(source, url, int(accounts))))
        return
    with tempfile.TemporaryDirectory(prefix="generator-baseline-") as scratch:
        variants = [("this", str(ROOT))]
        if args.baseline:
            variants.insert(0, (args.baseline, _baseline_tree(args.baseline, Path(scratch))))
        for accounts in args.accounts:
            for label, source in variants:
                url = f"{SERVER}/{args.database}_{'base' if source != str(ROOT) else 'this'}_{accounts}"
                result = _run(source, url, accounts)
                _print(label, result)
                if not args.keep:
                    _drop(url)
                sys.stdout.flush()


if __name__ == "__main__":
    main()
