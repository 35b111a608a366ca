"""The city-scale benchmark's code, run once on a tiny database so it cannot rot: every row of the table is
there with numbers (no timing is judged here; the benchmark itself is run by hand, see the README)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from bench import collector, database, run_benchmark
from bench.submissions import find_pgbench
from core import rollups
from db.models import AccountBalance, Charge, PaymentDayTotal, ReadingWindow, WindowReadingTotal

EXPECTED_ROWS = {"b.rate", "b.p50", "b.p95", "c.rate", "d.p50", "d.p95", "e.rss"}
STAFF_PAGES = {"overview", "readings", "explore"}  # at least these pages have data on their first view


def _run(url: str, tmp_path, *extra: str) -> dict:
    return run_benchmark.run(
        [
            "--database-url",
            url,
            "--accounts",
            "30",
            "--repeat",
            "1",
            "--workers",
            "2",
            "--submit-seconds",
            "0.5",
            "--import-rows",
            "300",
            "--import-part-rows",
            "200",
            "--account-samples",
            "5",
            "--pages",
            ",".join(STAFF_PAGES),
            "--work-dir",
            str(tmp_path),
            "--json",
            str(tmp_path / "result.json"),
            "--quiet",
            *extra,
        ]
    )


def _check(result: dict, tmp_path) -> None:
    written = json.loads((tmp_path / "result.json").read_text(encoding="utf-8"))
    rows = {row["key"]: row for row in written["rows"]}
    assert set(rows) >= EXPECTED_ROWS
    for page in STAFF_PAGES:
        assert {f"a.{page}.cold", f"a.{page}.cached", f"a.{page}.run_cached"} <= set(rows)
        cold = rows[f"a.{page}.cold"]
        assert cold["project"] > 0 and cold["reference"] > 0 and cold["ratio"] > 0, cold
        run = rows[f"a.{page}.run_cached"]  # the whole page run, against the floor page's run
        assert run["project"] > rows[f"a.{page}.cached"]["project"] and run["reference"] > 0, run
        assert "page error" not in cold["note"], cold["note"]
    for key in EXPECTED_ROWS:
        assert rows[key]["project"] is not None and rows[key]["reference"] is not None, rows[key]
    import_row = rows["c.rate"]
    assert "300 of 300" in import_row["note"] or " of 300" in import_row["note"]
    imported = result["details"]["import"]["project"]  # the rate is of rows imported, not of rows turned away
    assert imported["added"] >= 0.9 * imported["rows"] and imported["rejected"] <= 0.05 * imported["rows"], imported
    assert written["meta"]["accounts"] == 30
    for row in written["rows"]:
        assert row["label"] in result["table"]


def _totals(session: Session) -> dict[str, list[tuple]]:
    """The totals the staff pages read, without rows that count nothing (a balance an undone import opened)."""
    found = {}
    for model in (PaymentDayTotal, WindowReadingTotal, AccountBalance):
        rows = session.execute(select(model.__table__)).all()
        found[model.__tablename__] = sorted(tuple(r) for r in rows if any(v not in (0, None) for v in r[-2:]))
    return found


def assert_left_as_generated(url: str) -> None:
    """The runs removed what they wrote: the payment, reading and balance totals equal those counted afresh from
    the rows (an import's payments or a submission's readings left counted would skew every later run's pages)."""
    engine = create_engine(url)
    try:
        with Session(engine) as session:
            kept = _totals(session)
            rollups.rebuild(session)
            counted = _totals(session)
            session.rollback()
    finally:
        engine.dispose()
    assert kept["payment_day_totals"] and kept["window_reading_totals"]
    for table, rows in counted.items():
        assert kept[table] == rows, table


def test_benchmark_on_sqlite(tmp_path):
    """Here with a history from June 2025 only, as a city's database on a small disk would be generated."""
    url = f"sqlite:///{tmp_path / 'bench.sqlite3'}"
    result = _run(url, tmp_path, "--history-from", "2025-06-01")
    _check(result, tmp_path)
    submissions = result["details"]["submissions"]["project"]
    assert submissions["done"] > 0 and not submissions["errors"]
    assert result["meta"]["history_from"] == "2025-06-01"
    assert_left_as_generated(url)
    # The collector's benchmark over the same database: both variants measured, its import taken back.
    measured = collector.main(["--database-url", url, "--rounds", "1", "--runs", "2", "--file-rows", "100"])
    assert [m["variant"] for m in measured] == ["plain", "frozen"]
    for variant in measured:
        assert variant["tracked"] > 10_000 and len(variant["import_cpu_ms"]) == 4
        assert all(variant[page]["p50"] > 0 for page in collector.PAGES), variant
    assert_left_as_generated(url)
    engine = create_engine(url)
    try:
        with engine.connect() as c:
            first_charge = c.scalar(select(func.min(Charge.month)))
            first_window = c.scalar(select(func.min(ReadingWindow.period)))
    finally:
        engine.dispose()
    assert dt.date.fromisoformat(str(first_charge)) == dt.date(2025, 6, 1)
    assert dt.date.fromisoformat(str(first_window)) == dt.date(2025, 6, 1)
    # The same database is not taken for one with the whole history.
    with pytest.raises(SystemExit, match="history from 2025-06-01"):
        database.prepare(url, 30, log=lambda *a: None)


def test_benchmark_on_postgresql(pg_engine, tmp_path):
    if find_pgbench() is None:
        pytest.skip("pgbench is not installed")
    from tests.conftest import _truncate

    _truncate(pg_engine)
    url = pg_engine.url.render_as_string(hide_password=False)
    try:
        result = _run(url, tmp_path, "--pgbench-schema", "bench_pgbench")
        _check(result, tmp_path)
        # On PostgreSQL the import is also set against storing only the rows it wrote, in indexed copies of its tables.
        shaped = result["details"]["import"]["shaped_reference"]
        assert shaped["complete"] and shaped["seconds"] > 0 and shaped["rows"] == 300, shaped
        assert "c the same import vs storing only its rows" in result["table"]
        # ... and the submissions against the same statements sent through bare cursors.
        floor = result["details"]["submissions"]["statements_reference"]
        assert floor["done"] > 0 and not floor["errors"], floor
        assert_left_as_generated(url)
    finally:
        _truncate(pg_engine)
