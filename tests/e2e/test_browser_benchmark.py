"""The benchmark's browser row (g), run once on a small SQLite demo database so it cannot rot: every consumer step,
every staff page (cold and cached) and every reference step produced a measurement, and the JSON output holds the
rows. No timing is judged here; the benchmark itself is run by hand (bench/browser.py)."""

from __future__ import annotations

import json

from bench import run_benchmark
from bench.browser import CONSUMER_STEPS, REFERENCES, STAFF_TABS
from tests.e2e.harness import TIMEOUT, in_own_thread, require_browser

# Every staff page is timed by the same steps: one keeps them from rotting, and one with tabs its tab's click.
STAFF_PAGES = ("overview", "payments")


def test_every_browser_step_and_its_reference_is_measured(tmp_path):
    require_browser()
    result = in_own_thread(
        lambda: run_benchmark.run(
            [
                "--database-url",
                f"sqlite:///{tmp_path / 'bench.sqlite3'}",
                "--accounts",
                "60",
                "--rows",
                "g",
                "--browser-runs",
                "1",
                "--pages",
                ",".join(STAFF_PAGES),
                "--browser-timeout",
                str(TIMEOUT),
                "--json",
                str(tmp_path / "result.json"),
                "--quiet",
            ]
        )
    )
    series = result["details"]["browser"]["series"]
    expected = [key for key, _label, _reference in CONSUMER_STEPS]
    expected += [f"staff.{page}.{kind}" for page in STAFF_PAGES for kind in ("cold", "cached")]
    expected += [f"staff.{page}.tab" for page in STAFF_PAGES if page in STAFF_TABS]
    expected += [f"ref.{key}" for key in REFERENCES]
    unmeasured = {
        key: series.get(key, {}).get("errors", "missing") for key in expected if not series.get(key, {}).get("samples")
    }
    assert not unmeasured, unmeasured
    assert not [entry["errors"] for entry in series.values() if entry["errors"]]

    written = json.loads((tmp_path / "result.json").read_text(encoding="utf-8"))
    rows = {row["key"]: row for row in written["rows"]}
    for key in ("login", "register", "pay_result", "overview.cold", "overview.cached", "payments.tab"):
        for q in ("p50", "p95"):
            row = rows[f"g.{key}.{q}"]
            assert row["project"] > 0 and row["reference"] > 0 and row["ratio"] > 0, row
    assert "load" in rows["g.login.p95"]["note"]
    assert all(row["label"] in result["table"] for row in written["rows"])
