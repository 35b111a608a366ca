"""City-scale benchmark: staff pages, reading submissions, registry imports and the account page, each against
what the database itself does for the same work, measured in the same run.

    .venv/bin/python bench/run_benchmark.py                      # PostgreSQL on 127.0.0.1, 80,000 accounts
    .venv/bin/python bench/run_benchmark.py --accounts 1000000   # Kyiv scale
    .venv/bin/python bench/run_benchmark.py --database-url sqlite:////tmp/teplo-bench.sqlite3 --accounts 20000

The database is filled once by the demo generator (2019 to now) and reused by later runs with the same number of
accounts (--fresh regenerates). Rows:
  a  every staff page's data functions as the page calls them, cold and cached, vs hand-written SQL reading the
     same tables (the account balances and the recorded debt too) with the same session settings (JIT off); --cold-port makes cold
     cold for the database as well (bench.cold), for the page and its reference alike
  b  readings submitted through core.readings.submit_reading by concurrent workers vs pgbench -N
  c  a 1,000,000-row bank registry through core.imports.commit vs psql \\copy into a bare table
  d  the consumer account page's data for one account, p50/p95, vs hand-written SQL
  e  peak RSS of a process rendering every staff page once vs the same process after an empty page
  g  in Chromium, the apps as deployed: consumer steps and every staff page (cold, cached), p50/p95, vs the same
     steps on a minimal Streamlit app (bench/browser.py; not in the default rows: --rows g)
The table is printed and written as JSON (bench/results/ by default) so runs can be compared.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import database  # noqa: E402
from bench.stats import median  # noqa: E402

TARGETS = {
    "a_cold": 1.0,  # × reference SQL
    "a_cached_ms": 50.0,
    "b_ratio": 0.40,
    "b_p95_ms": 20.0,
    "b_shaped": 0.85,  # × the same statements through bare cursors
    "c_ratio": 0.50,
    "c_shaped": 0.70,  # × psql \copy of the rows it wrote into the same tables
    "d_p95_ms": 50.0,
    "e_rss_mb": 400.0,
}


@dataclass
class Row:
    key: str
    label: str
    unit: str
    project: float | None
    reference: float | None
    reference_label: str
    ratio: float | None
    target: str
    meets: bool | None
    note: str = ""


def _ratio(project, reference):
    if project is None or reference in (None, 0):
        return None
    return project / reference


def _floor_row(key, label, unit, project, reference, reference_label, floor: float, note: str = "") -> Row:
    """A row whose target is at least `floor` times its reference."""
    ratio = _ratio(project, reference)
    return Row(
        key,
        label,
        unit,
        project,
        reference,
        reference_label,
        ratio,
        f"≥ {floor:.2f}× ref",
        None if ratio is None else ratio >= floor,
        note,
    )


def _latency_rows(row: str, label: str, project, reference, p95_limit_ms: float, note: str = "") -> list[Row]:
    """p50 (context) and p95 (the target: at most `p95_limit_ms`) of the project against its reference."""
    return [
        Row(
            f"{row}.{name}",
            f"{label} {name}",
            "ms",
            getattr(project, f"{name}_ms"),
            getattr(reference, f"{name}_ms"),
            reference.label,
            _ratio(getattr(project, f"{name}_ms"), getattr(reference, f"{name}_ms")),
            f"≤ {p95_limit_ms:.0f} ms" if name == "p95" else "",
            None if name == "p50" or project.p95_ms is None else project.p95_ms <= p95_limit_ms,
            note if name == "p95" else "",
        )
        for name in ("p50", "p95")
    ]


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="default: local PostgreSQL, database teplo_bench_<accounts>")
    parser.add_argument("--accounts", type=int, default=80_000)
    parser.add_argument("--fresh", action="store_true", help="drop and regenerate the benchmark database")
    parser.add_argument(
        "--history-from",
        type=dt.date.fromisoformat,
        help="the generated history's first month, e.g. 2024-01-01 (default: January 2019); a later start makes a "
        "smaller database (about 94 KiB an account for the whole history), in a database of its own",
    )
    parser.add_argument("--rows", default="abcde", help="which rows to measure, e.g. 'bd'")
    parser.add_argument("--repeat", type=int, default=3, help="runs per staff page and reference (median)")
    parser.add_argument("--workers", type=int, default=16, help="concurrent submitters and pgbench clients")
    parser.add_argument("--submit-seconds", type=float, default=20)
    parser.add_argument(
        "--pgbench-database", default="teplo_bench_pgbench", help="scratch database for pgbench on the same server"
    )
    parser.add_argument("--pgbench-schema", help="use a scratch schema of the benchmark database instead")
    parser.add_argument("--import-rows", type=int, default=1_000_000)
    parser.add_argument(
        "--import-part-rows",
        type=int,
        default=10_000,
        help="rows per file given to the import (a bank's daily registry)",
    )
    parser.add_argument(
        "--import-budget",
        type=float,
        default=180,
        help="seconds the project's import may take before the rate is measured on the rows done",
    )
    parser.add_argument("--pages", help="only these staff pages, e.g. 'overview,readings' (default: all)")
    parser.add_argument(
        "--cold-port",
        type=int,
        help="row a on a throwaway copy of the database in the benchmark's own PostgreSQL cluster on this port "
        "(bench.cold), restarted and dropped from the page cache before every cold run; without it, cold clears "
        "only the dashboard's caches",
    )
    parser.add_argument("--account-samples", type=int, default=200)
    parser.add_argument("--work-dir", help="where the registry file goes (default: a temporary directory)")
    parser.add_argument("--json", help="output file (default: bench/results/<time>-<dialect>-<accounts>.json)")
    parser.add_argument("--markdown", action="store_true", help="also print the table as Markdown")
    parser.add_argument("--quiet", action="store_true")
    from bench import browser

    browser.add_arguments(parser)
    return parser.parse_args(argv)


def staff_rows(prepared, args, log) -> tuple[list[Row], dict]:
    rows: list[Row] = []
    url, cold = prepared.url, "dashboard caches cleared; database warm"
    if args.cold_port and prepared.dialect == "postgresql":
        from bench import cold as cold_cluster

        url = cold_cluster.ensure(prepared.url, args.cold_port, log)[1]
        cold = "dashboard caches cleared; own PostgreSQL restarted, its files out of the page cache"
    with tempfile.TemporaryDirectory(prefix="teplo-bench-") as tmp:
        out = Path(tmp) / "pages.json"
        command = [
            sys.executable,
            "-m",
            "bench.staff_render",
            "--url",
            url,
            "--now",
            prepared.now.isoformat(),
            "--repeat",
            str(args.repeat),
            "--out",
            str(out),
        ]
        if args.pages:
            command += ["--pages", args.pages]
        if url != prepared.url:
            command += ["--cold-port", str(args.cold_port)]
        log(f"rendering every staff page (cold: {cold}; then cached) ...")
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        if done.returncode != 0 or not out.exists():
            raise RuntimeError(f"staff page rendering failed:\n{done.stdout}\n{done.stderr}")
        pages = json.loads(out.read_text(encoding="utf-8"))
    if "error" in pages:
        raise RuntimeError("staff page rendering failed:\n" + pages["error"])
    for key, entry in pages["pages"].items():
        cold_ms, cached, ref = median(entry["data_ms"]), median(entry["cached_ms"]), median(entry["reference_ms"])
        cold_ref = median(entry.get("reference_cold_ms") or entry["reference_ms"])
        notes = []
        if entry["errors"]:
            notes.append("page error: " + " | ".join(entry["errors"]))
        if entry["reference_missing"]:
            notes.append("no reference SQL for " + ", ".join(entry["reference_missing"]))
        if not entry["names"]:
            notes.append("no data call on first view")
        if entry["hooks"]:
            notes.append("; ".join(entry["hooks"]))
        note = "; ".join(notes)
        usable_ref = ref if ref and not entry["reference_missing"] else None
        usable_cold_ref = cold_ref if cold_ref and not entry["reference_missing"] else None
        ratio = _ratio(cold_ms, usable_cold_ref)
        rows.append(
            Row(
                f"a.{key}.cold",
                f"a {entry['title']}: data, cold",
                "ms",
                cold_ms,
                usable_cold_ref,
                f"hand-written SQL, bare cursor, JIT off as the project; both cold: {cold}",
                ratio,
                "≤ 1.0× ref",
                None if ratio is None else ratio <= TARGETS["a_cold"],
                note,
            )
        )
        rows.append(
            Row(
                f"a.{key}.cached",
                f"a {entry['title']}: data, cached",
                "ms",
                cached,
                usable_ref,
                "hand-written SQL, bare cursor, JIT off as the project, warm",
                _ratio(cached, usable_ref),
                "≤ 50 ms",
                cached <= TARGETS["a_cached_ms"] if cached is not None else None,
            )
        )
        run_cached, floor_run = median(entry.get("run_cached_ms") or []), median(pages.get("floor_run_ms") or [])
        rows.append(
            Row(
                f"a.{key}.run_cached",
                f"a {entry['title']}: page run, cached",
                "ms",
                run_cached,
                floor_run,
                "a page with a title and a table of 200 rows, run the same way (AppTest, same process)",
                _ratio(run_cached, floor_run),
                "—",
                None,
            )
        )
    for path in pages.get("missing_pages", []):
        rows.append(
            Row(
                f"a.{Path(path).stem}.missing",
                f"a {path}",
                "ms",
                None,
                None,
                "",
                None,
                "",
                None,
                "page file not present: not measured",
            )
        )
    rss, bare_rss = pages.get("peak_rss_mb"), pages.get("bare_rss_mb")
    rows.append(
        Row(
            "e.rss",
            "e staff dashboard peak RSS, every page once",
            "MB",
            rss,
            bare_rss,
            "same process, empty page",
            _ratio(rss, bare_rss),
            "≤ 400 MB",
            rss <= TARGETS["e_rss_mb"] if rss is not None else None,
        )
    )
    return rows, pages


def submission_rows(prepared, engine, args, log, work: Path) -> tuple[list[Row], dict]:
    from bench import submissions

    log(f"submitting readings: {args.workers} workers for {args.submit_seconds:.0f} s ...")
    project = submissions.project_submissions(engine, prepared.url, prepared.now, args.workers, args.submit_seconds)
    log(f"  {project.per_second or 0:.0f}/s, p95 {project.p95_ms or 0:.1f} ms, errors {project.errors}")
    if prepared.dialect == "postgresql":
        log(f"pgbench -N -c {args.workers} -T {args.submit_seconds:.0f} ...")
        reference = submissions.pgbench_reference(
            prepared.url,
            args.workers,
            args.submit_seconds,
            args.pgbench_database,
            args.pgbench_schema,
            scale=1 if args.pgbench_schema else submissions.PGBENCH_SCALE,
        )
    else:
        log(f"bare sqlite3 -N transactions, {args.workers} workers ...")
        reference = submissions.sqlite_reference(work, args.workers, args.submit_seconds)
    log(f"  {reference.per_second or 0:.0f}/s, p95 {reference.p95_ms or 0:.1f} ms")
    note = f"{project.done} accepted" + (f"; refused: {project.errors}" if project.errors else "")
    rows = [
        _floor_row(
            "b.rate",
            f"b reading submissions, {args.workers} workers",
            "/s",
            project.per_second,
            reference.per_second,
            reference.label,
            TARGETS["b_ratio"],
            "; ".join(x for x in (note, reference.note) if x),
        ),
        *_latency_rows("b", "b submission latency", project, reference, TARGETS["b_p95_ms"]),
    ]
    details = {"project": asdict(project), "reference": asdict(reference)}
    if prepared.dialect == "postgresql" and project.per_second:
        log(f"the same statements through bare cursors, {args.workers} workers ...")
        floor = submissions.statements_reference(engine, prepared.url, prepared.now, args.workers, args.submit_seconds)
        log(f"  {floor.per_second or 0:.0f}/s, p95 {floor.p95_ms or 0:.1f} ms, errors {floor.errors}")
        rows.append(
            _floor_row(
                "b.shaped",
                "b the same submissions vs their statements alone",
                "/s",
                project.per_second,
                floor.per_second,
                floor.label,
                TARGETS["b_shaped"],
                f"statements alone: p50 {floor.p50_ms or 0:.1f} ms, p95 {floor.p95_ms or 0:.1f} ms"
                + (f"; errors {floor.errors}" if floor.errors else ""),
            )
        )
        details["statements_reference"] = asdict(floor)
    return rows, details


def import_rows(prepared, engine, sessions, args, log, work: Path) -> tuple[list[Row], dict]:
    from bench import registry

    path = work / f"registry-{args.import_rows}.csv"
    log(f"writing a {args.import_rows:,}-row bank registry ...")
    reg = registry.write_registry(engine, path, args.import_rows, prepared.now)
    try:
        if prepared.dialect == "postgresql":
            log("psql \\copy into a bare table ...")
            reference = registry.copy_reference(prepared.url, reg)
        else:
            log("sqlite3 executemany into a bare table ...")
            reference = registry.sqlite_reference(str(database.sqlite_path(prepared.url)), reg)
        log(f"  {reference.rows_per_second:,.0f} rows/s")
        log(f"importing through core.imports.commit (budget {args.import_budget:.0f} s) ...")
        shaped: list = []
        exported: dict = {}

        def export_rows(before_batch: int, file_rows: int) -> None:
            if prepared.dialect == "postgresql" and file_rows:
                exported.update(registry.export_written(prepared.url, work, before_batch))

        def shaped_reference(file_rows: int) -> None:
            if exported:
                log("psql \\copy of the rows it wrote into its own tables (rolled back) ...")
                shaped.append(registry.shaped_copy_reference(prepared.url, exported, file_rows))
                log(f"  {shaped[0].rows_per_second:,.0f} rows/s")

        project = registry.project_import(
            engine,
            sessions,
            reg,
            args.import_budget,
            args.import_part_rows,
            before_undo=export_rows,
            after_undo=shaped_reference,
        )
        log(f"  {project.rows_per_second or 0:,.0f} rows/s over {project.rows:,} rows")
    finally:
        path.unlink(missing_ok=True)
    checked = (
        f"{project.added:,} added, {project.duplicates:,} duplicates, {project.rejected:,} rejected of {project.rows:,}"
    )
    row = _floor_row(
        "c.rate",
        f"c bank registry import, {args.import_rows:,} rows",
        "rows/s",
        project.rows_per_second,
        reference.rows_per_second,
        reference.label,
        TARGETS["c_ratio"],
        "; ".join(x for x in (checked, project.note) if x),
    )
    details = {
        "registry": {"rows": reg.rows, "bytes": reg.bytes, "duplicates": reg.duplicates, "broken": reg.broken},
        "project": asdict(project),
        "reference": asdict(reference),
    }
    rows = [row]
    if shaped:  # the database's own floor for storing what the import stores, in the same tables
        floor = shaped[0]
        rows.append(
            _floor_row(
                "c.shaped",
                "c the same import vs storing only its rows",
                "rows/s",
                project.rows_per_second,
                floor.rows_per_second,
                floor.label,
                TARGETS["c_shaped"],
                f"{floor.seconds:.2f} s to store the rows of {floor.rows:,} file rows",
            )
        )
        details["shaped_reference"] = asdict(floor)
    return rows, details


def account_rows(prepared, engine, sessions, args, log) -> tuple[list[Row], dict]:
    from bench import account_page, reference

    links = account_page.sample_links(engine, args.account_samples)
    if not links:
        return [
            Row(
                "d.p95",
                "d account page data",
                "ms",
                None,
                None,
                "",
                None,
                "≤ 50 ms",
                None,
                "no consumer linked to an account",
            )
        ], {}
    log(f"account page data for {len(links)} accounts ...")
    account_page.project(sessions, links[: min(20, len(links))], prepared.now)  # warm the connection pool
    project = account_page.project(sessions, links, prepared.now)
    connection = reference.connect(prepared.url)
    try:
        account_page.reference(connection, prepared.dialect, links[: min(20, len(links))], prepared.now)
        ref = account_page.reference(connection, prepared.dialect, links, prepared.now)
    finally:
        connection.close()
    rows = _latency_rows("d", "d account page data", project, ref, TARGETS["d_p95_ms"], f"{project.samples} accounts")
    return rows, {"project": asdict(project), "reference": asdict(ref)}


def _fmt(value, unit: str) -> str:
    if value is None:
        return "—"
    if unit in ("/s", "rows/s"):
        return f"{value:,.0f}"
    if unit == "MB":
        return f"{value:,.0f}"
    return f"{value:,.1f}" if value < 1000 else f"{value:,.0f}"


def _ratio_text(ratio: float | None) -> str:
    if ratio is None:
        return "—"
    return f"{ratio:.3f}×" if ratio < 0.1 else f"{ratio:.2f}×"


def format_table(rows: list[Row]) -> str:
    header = ("row", "project", "reference", "ratio", "target", "ok", "unit")
    lines = []
    data = []
    for r in rows:
        ok = "—" if r.meets is None else ("yes" if r.meets else "NO")
        data.append(
            (r.label, _fmt(r.project, r.unit), _fmt(r.reference, r.unit), _ratio_text(r.ratio), r.target, ok, r.unit)
        )
    widths = [max(len(str(x[i])) for x in [header, *data]) for i in range(len(header))]
    aligns = ["<", ">", ">", ">", "<", "<", "<"]
    lines.append("  ".join(f"{h:{a}{w}}" for h, a, w in zip(header, aligns, widths)))
    lines.append("  ".join("-" * w for w in widths))
    for row in data:
        lines.append("  ".join(f"{v:{a}{w}}" for v, a, w in zip(row, aligns, widths)))
    notes = [f"  {r.label}: {r.note}" for r in rows if r.note]
    if notes:
        lines.append("")
        lines.append("notes:")
        lines.extend(notes)
    return "\n".join(lines)


def format_markdown(rows: list[Row]) -> str:
    """The table as Markdown, for the README or an issue."""
    lines = ["| row | project | reference | ratio | target | met |", "|---|---:|---:|---:|---|---|"]
    for r in rows:
        unit = "" if r.unit in ("/s", "rows/s") else f" {r.unit}"
        rate = f" {r.unit}" if r.unit in ("/s", "rows/s") else ""
        met = "—" if r.meets is None else ("yes" if r.meets else "**no**")
        ratio = _ratio_text(r.ratio)
        project = "—" if r.project is None else _fmt(r.project, r.unit) + unit + rate
        reference = "—" if r.reference is None else _fmt(r.reference, r.unit) + unit + rate
        lines.append(f"| {r.label} | {project} | {reference} | {ratio} | {r.target} | {met} |")
    return "\n".join(lines)


def _server_version(engine) -> str:
    from sqlalchemy import text

    with engine.connect() as c:
        if engine.dialect.name == "postgresql":
            return c.scalar(text("SHOW server_version"))
        return "SQLite " + c.exec_driver_sql("select sqlite_version()").scalar()


def run(argv=None) -> dict:
    args = parse_args(argv)
    log = (lambda *a: None) if args.quiet else (lambda *a: print(*a, flush=True))
    url = args.database_url or database.default_url(args.accounts, args.history_from)
    started = time.perf_counter()
    prepared = database.prepare(url, args.accounts, fresh=args.fresh, log=log, history_from=args.history_from)
    os.environ["TEPLO_NOW"] = prepared.now.isoformat()
    from core import config

    config.use(None)  # the settings are built again from the environment, with the clock pinned

    from db.engine import make_engine, make_sessions

    engine = make_engine(url)
    sessions = make_sessions(engine)
    rows: list[Row] = []
    details: dict = {}
    with tempfile.TemporaryDirectory(prefix="teplo-bench-") as tmp:
        work = Path(args.work_dir) if args.work_dir else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        try:
            if "a" in args.rows or "e" in args.rows:
                found, details["staff"] = staff_rows(prepared, args, log)
                rows += [r for r in found if r.key[0] in args.rows]
            if "d" in args.rows:
                found, details["account_page"] = account_rows(prepared, engine, sessions, args, log)
                rows += found
            if "b" in args.rows:
                found, details["submissions"] = submission_rows(prepared, engine, args, log, work)
                rows += found
            if "c" in args.rows:
                found, details["import"] = import_rows(prepared, engine, sessions, args, log, work)
                rows += found
            if "g" in args.rows:
                from bench import browser

                measured, details["browser"] = browser.browser_rows(prepared, engine, args, log)
                rows += [Row(**fields) for fields in measured]
        finally:
            if prepared.dialect == "postgresql" and ("b" in args.rows or "c" in args.rows):
                with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                    c.exec_driver_sql("VACUUM ANALYZE readings, audit_log, payments, registry_matches, import_batches")
            version = _server_version(engine)
            engine.dispose()
    order = {"a": 0, "b": 1, "c": 2, "d": 3, "e": 4, "g": 6}
    rows.sort(key=lambda r: order[r.key[0]])
    result = {
        "meta": {
            "database": engine.url.render_as_string(hide_password=True),
            "dialect": prepared.dialect,
            "server": version,
            "accounts": prepared.accounts,
            "history_from": args.history_from.isoformat() if args.history_from else None,
            "business_now": prepared.now.isoformat(),
            "generated_now": prepared.generated,
            "generation_seconds": prepared.generation_seconds,
            "run_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "workers": args.workers,
            "submit_seconds": args.submit_seconds,
            "import_rows": args.import_rows,
            "repeat": args.repeat,
            "seconds": round(time.perf_counter() - started, 1),
        },
        "rows": [asdict(r) for r in rows],
        "details": details,
    }
    table = format_table(rows)
    log("")
    log(
        f"{prepared.accounts:,} accounts"
        + (f" (history from {args.history_from:%Y-%m})" if args.history_from else "")
        + f" on {version} · business time {prepared.now:%Y-%m-%d %H:%M} Kyiv · "
        f"{os.cpu_count()} CPUs"
    )
    log(table)
    if args.markdown:
        log("")
        log(format_markdown(rows))
    out = (
        Path(args.json)
        if args.json
        else (
            ROOT
            / "bench"
            / "results"
            / f"{dt.datetime.now():%Y%m%d-%H%M%S}-{prepared.dialect}-{prepared.accounts}.json"
        )
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    log(f"\nwritten to {out}")
    result["json_path"] = str(out)
    result["table"] = table
    return result


def main(argv=None) -> int:
    run(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
