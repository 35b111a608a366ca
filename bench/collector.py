"""What the garbage collector costs a staff server, with and without web.startup.keep_loaded_code_out_of_collections:
a full collection right after the start's imports; the cached runs of the pages with charts (AppTest, signed in as
admin, as a click on a page already open runs it), with the full collections that fell during them; and the
client's CPU time for each file of a bank registry (10,000 rows by default) through core.imports.commit (its rows removed after).

Each variant runs in a fresh interpreter, in turns (plain, frozen, plain, frozen, ...), over the benchmark's
database; the load average is printed with every round, since the machine is shared.

    .venv/bin/python -m bench.collector --database-url postgresql://postgres@127.0.0.1:5432/teplo_bench_80k
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from bench.stats import median, percentile

ROOT = Path(__file__).resolve().parent.parent
PAGES = ("overview", "readings", "payments", "additional_charges", "explore")


def _full_collection_ms() -> float:
    times = []
    for _ in range(5):
        began = time.perf_counter()
        gc.collect()
        times.append((time.perf_counter() - began) * 1000)
    return median(times) or 0.0


def _import_cpu_ms(engine, now: str, files: int, file_rows: int) -> list[float]:
    """The process's CPU time for each of `files` registry files of `file_rows` rows, imported as the staff page
    does."""
    import datetime as dt
    import tempfile

    from sqlalchemy import text

    from bench.registry import HEADER, undo_import, write_registry
    from core.imports import commit
    from db.engine import make_sessions

    with tempfile.TemporaryDirectory() as work:
        registry = write_registry(
            engine, Path(work) / "registry.csv", files * file_rows, dt.datetime.fromisoformat(now)
        )
        lines = registry.path.read_text(encoding="utf-8").splitlines(keepends=True)[1:]
    with engine.connect() as c:
        before_audit = c.scalar(text("SELECT COALESCE(MAX(id), 0) FROM audit_log"))
        before_batch = c.scalar(text("SELECT COALESCE(MAX(id), 0) FROM import_batches"))
    cpu: list[float] = []
    try:
        for part in range(files):
            data = (HEADER + "\r\n" + "".join(lines[part * file_rows : (part + 1) * file_rows])).encode("utf-8")
            began = time.process_time()
            commit(make_sessions(engine), "bank", f"collector-{part + 1}.csv", data, "benchmark")
            cpu.append((time.process_time() - began) * 1000)
    finally:
        undo_import(engine, before_batch, before_audit)
    return cpu


def _measure(url: str, now: str, runs: int, frozen: bool, import_files: int, file_rows: int) -> dict:
    """In this process: load what the staff server loads at start, optionally freeze it, then run each page."""
    os.environ["DATABASE_URL"] = url
    os.environ["TEPLO_NOW"] = now
    from core import config

    config.use(None)
    from sqlalchemy import select
    from streamlit.testing.v1 import AppTest

    from db.engine import make_engine, make_sessions
    from db.models import StaffUser
    from ui import staff_access
    from web.startup import draw_one_chart, import_what_pages_import, keep_loaded_code_out_of_collections

    import_what_pages_import(["staff_dashboard.py", "pages/staff/login.py", *(p.path for p in staff_access.PAGES)])
    draw_one_chart()
    engine = make_engine(url)
    with make_sessions(engine)() as session:
        admin_id = session.scalar(select(StaffUser.id).where(StaffUser.username == "admin"))

    result: dict = {"tracked": len(gc.get_objects()), "full_collection_ms": _full_collection_ms()}
    if frozen:
        keep_loaded_code_out_of_collections()
        result["full_collection_ms"] = _full_collection_ms()

    collections = {"count": 0, "ms": 0.0, "began": 0.0}

    def watch(phase: str, info: dict) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            collections["began"] = time.perf_counter()
        else:
            collections["count"] += 1
            collections["ms"] += (time.perf_counter() - collections["began"]) * 1000

    gc.callbacks.append(watch)
    for key in PAGES:
        page = next(p for p in staff_access.PAGES if p.key == key)
        at = AppTest.from_file(str(ROOT / "staff_dashboard.py"), default_timeout=600)
        at.session_state[staff_access.SESSION_KEY] = admin_id
        at.switch_page(page.path)
        at.run()  # the first open fills the cache
        collections.update(count=0, ms=0.0)
        times = []
        for _ in range(runs):
            began = time.perf_counter()
            at.run()
            times.append((time.perf_counter() - began) * 1000)
        result[key] = {
            "p50": median(times),
            "p95": percentile(times, 95),
            "slowest": max(times),
            "full_collections": collections["count"],
            "full_collections_ms": collections["ms"],
        }
    gc.callbacks.remove(watch)
    result["import_cpu_ms"] = _import_cpu_ms(engine, now, import_files, file_rows) if import_files else []
    engine.dispose()
    return result


def _business_moment(url: str) -> str:
    """The moment the benchmark database was generated for (bench.database's note), as the benchmark runs it."""
    from sqlalchemy import create_engine

    from bench.database import read_note

    engine = create_engine(url)
    try:
        note = read_note(url, engine)
    finally:
        engine.dispose()
    if not note:
        raise SystemExit(f"{url} is not a benchmark database (bench/run_benchmark.py makes one): give --now")
    return note["now"]


def _child(args: argparse.Namespace, variant: str) -> dict:
    command = [sys.executable, "-m", "bench.collector", "--child", variant, "--database-url", args.database_url]
    command += ["--now", args.now, "--runs", str(args.runs)]
    command += ["--import-files", str(args.import_files), "--file-rows", str(args.file_rows)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"the {variant} run failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/teplo_bench_80k")
    parser.add_argument("--now", help="the business moment (default: the one the database was generated for)")
    parser.add_argument("--runs", type=int, default=30, help="cached runs of each page")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--import-files", type=int, default=4, help="registry files imported (0: none)")
    parser.add_argument("--file-rows", type=int, default=10_000, help="rows in each registry file")
    parser.add_argument("--child", choices=["plain", "frozen"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.now = args.now or _business_moment(args.database_url)
    if args.child:
        frozen = args.child == "frozen"
        print(json.dumps(_measure(args.database_url, args.now, args.runs, frozen, args.import_files, args.file_rows)))
        return []
    results = []
    for round_ in range(1, args.rounds + 1):
        for variant in ("plain", "frozen"):
            load = " ".join(f"{v:.2f}" for v in os.getloadavg())
            result = _child(args, variant) | {"variant": variant, "round": round_}
            results.append(result)
            print(
                f"round {round_} {variant:6s} load {load}: {result['tracked']:,} objects tracked, "
                f"a full collection {result['full_collection_ms']:.1f} ms"
            )
            for key in PAGES:
                page = result[key]
                print(
                    f"  {key:20s} p50 {page['p50']:6.1f}  p95 {page['p95']:6.1f}  slowest {page['slowest']:6.1f} ms"
                    f"  full collections {page['full_collections']} ({page['full_collections_ms']:.1f} ms)"
                )
            if result["import_cpu_ms"]:
                cpu = result["import_cpu_ms"]
                print(
                    f"  a {args.file_rows:,}-row bank file's import, the client's CPU: "
                    f"median {median(cpu):.0f} ms ({', '.join(f'{ms:.0f}' for ms in cpu)})"
                )
    return results


if __name__ == "__main__":
    main()
