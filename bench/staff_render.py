"""Rows a and e, run in a fresh process: every staff page rendered through Streamlit's AppTest over the real
entrypoint (staff_dashboard.py, signed in as the demo admin, who may open every page), with the time spent in
the page's data functions recorded as the page calls them.

- cold: the dashboard's data caches cleared (ui.staff_data.clear) before the page opens, and with --cold-port the
  database made cold too (bench.cold: the benchmark's own cluster restarted, its files out of the OS page cache);
  cached: the same page opened again right after;
- the data time of a page is the time spent in its outermost data calls (ui.staff_data wrappers, or core
  functions taking a sessionmaker when a page calls core directly); rendering (Plotly, widgets) is not in it;
- the cached page run is the whole script run of the page run again in the same session, rendering included (the
  server's work for a click), against a page with a title and a table of 200 rows run the same way (FLOOR_PAGE);
- every core call a page made is replayed afterwards as hand-written SQL through a bare DB-API cursor
  (bench/reference.py), which is the page's reference: cold (after the same chill as the page, when there is
  one) for the cold row, then warm for the cached row;
- peak RSS (VmHWM) is read after the first pass over every page; its baseline is the same process
  after rendering an empty page, read before any project module is imported.

Usage: python -m bench.staff_render --url URL --now ISO --repeat N --out result.json [--pages a,b]
"""

from __future__ import annotations

import argparse
import functools
import inspect
import json
import os
import sys
import threading
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CORE_MODULES = (
    "core.dashboard",
    "core.dashboard_readings",
    "core.dashboard_payments",
    "core.explore",
    "core.lookup",
    "core.imports",
    "core.additional_charges",
    "core.charge_lists",
    "core.windows",
    "core.staff",
    "core.reconciliation",
    "core.reconciliation_report",
    "core.payments",
)
NOT_PAGE_DATA = {"core.staff.get_staff_user", "core.staff.authenticate_staff"}  # the login check on every page

_local = threading.local()
FLOOR_PAGE = (
    "import streamlit as st\n"
    "st.title('Floor')\n"
    "st.dataframe([{'n': n, 'text': f'row {n}'} for n in range(200)], hide_index=True)\n"
)


class Recorder:
    def __init__(self) -> None:
        self.page: str | None = None
        self.data_ms: dict[str, float] = {}
        self.calls: dict[str, list[tuple[str, tuple, dict]]] = {}
        self.names: dict[str, list[str]] = {}

    def start(self, page: str) -> None:
        self.page = page
        self.data_ms[page] = 0.0
        self.calls[page] = []
        self.names[page] = []


RECORDER = Recorder()


def _wrap(name: str, function, core: bool):
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        depth = getattr(_local, "depth", 0)
        _local.depth = depth + 1
        began = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            elapsed = (time.perf_counter() - began) * 1000
            _local.depth = depth
            page = RECORDER.page
            if page is not None:
                if depth == 0:
                    RECORDER.data_ms[page] += elapsed
                    RECORDER.names[page].append(name)
                if core:
                    RECORDER.calls[page].append((name, args[1:], kwargs))

    wrapper.__bench_wrapped__ = True  # type: ignore[attr-defined]
    return wrapper


def instrument() -> list[str]:
    """Wrap ui.staff_data's public functions and the core functions that take a sessionmaker."""
    import importlib

    wrapped = []
    for module_name in ("ui.staff_data", *CORE_MODULES):
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        core = module_name.startswith("core.")
        for attr, value in list(vars(module).items()):
            if attr.startswith("_") or not inspect.isfunction(value) or value.__module__ != module_name:
                continue
            if getattr(value, "__bench_wrapped__", False):
                continue
            name = f"{module_name}.{attr}"
            if name in NOT_PAGE_DATA or attr == "clear":
                continue
            if core:
                params = list(inspect.signature(value).parameters)
                if not params or params[0] not in ("sessions", "_sessions"):
                    continue
            setattr(module, attr, _wrap(name, value, core))
            wrapped.append(name)
    # Modules that imported a core function by name (from core.x import f) get the wrapped one too.
    for module_name, module in list(sys.modules.items()):
        if not module_name.startswith(("core.", "ui.")) or module is None:
            continue
        for attr, value in list(vars(module).items()):
            if inspect.isfunction(value) and not getattr(value, "__bench_wrapped__", False):
                full = f"{value.__module__}.{value.__name__}"
                if full in wrapped and value.__module__ != module_name:
                    source = sys.modules[value.__module__]
                    setattr(module, attr, getattr(source, value.__name__))
    return wrapped


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _errors(at) -> list[str]:
    return [getattr(e, "message", str(e))[:300] for e in at.exception]


def _interact(key: str, at, hooks_log: list[str]) -> None:
    """What a user does on pages whose first view asks for input before showing data."""
    from demo.generator import SEED_ACCOUNT

    if key == "lookup" and len(at.text_input):
        at.text_input[0].input(SEED_ACCOUNT)
        if len(at.button):
            at.button[0].click()
        at.run()
        hooks_log.append(f"searched {SEED_ACCOUNT} and opened the first hit")


def _rerun_ms(at) -> float:
    """The page run again in the same session (its data cached, its modules loaded), as a click on it runs it."""
    began = time.perf_counter()
    at.run()
    return (time.perf_counter() - began) * 1000


def render_all(url: str, repeat: int, only: set[str] | None = None, chill=None) -> dict:
    from sqlalchemy import select
    from streamlit.testing.v1 import AppTest

    from db.engine import make_engine, make_sessions
    from db.models import StaffUser

    # The baseline: this process with Streamlit loaded, rendering an empty page, before any project module.
    AppTest.from_string("import streamlit as st\nst.title('ok')\n").run()
    bare_rss = peak_rss_mb()
    wrapped = instrument()
    from ui import staff_access, staff_data

    engine = make_engine(url)
    with make_sessions(engine)() as session:
        admin_id = session.scalar(select(StaffUser.id).where(StaffUser.username == "admin"))
    engine.dispose()
    pages = [p for p in staff_access.PAGES if (ROOT / p.path).exists() and (not only or p.key in only)]
    missing_pages = [p.path for p in staff_access.PAGES if not (ROOT / p.path).exists()]

    def open_page(page, clear: bool):
        if clear:  # what the dashboard itself does to drop its data caches (an import, a processed window)
            staff_data.clear()
            if chill is not None:
                chill()
        at = AppTest.from_file(str(ROOT / "staff_dashboard.py"), default_timeout=600)
        at.session_state[staff_access.SESSION_KEY] = admin_id
        at.switch_page(page.path)
        RECORDER.start(page.key)
        began = time.perf_counter()
        at.run()
        hooks: list[str] = []
        _interact(page.key, at, hooks)
        total = (time.perf_counter() - began) * 1000
        RECORDER.page = None
        return at, total, hooks

    result: dict = {"pages": {}, "wrapped": wrapped, "missing_pages": missing_pages, "bare_rss_mb": bare_rss}
    first: dict = {}
    for round_ in range(repeat):
        for page in pages:
            at, total, hooks = open_page(page, clear=True)
            entry = first.setdefault(
                page.key,
                dict(
                    data_ms=[],
                    render_ms=[],
                    cached_ms=[],
                    run_cached_ms=[],
                    calls=RECORDER.calls[page.key],
                    names=RECORDER.names[page.key],
                    errors=_errors(at),
                    hooks=hooks,
                ),
            )
            entry["data_ms"].append(RECORDER.data_ms[page.key])
            entry["render_ms"].append(total)
            at, _total, _hooks = open_page(page, clear=False)
            entry["cached_ms"].append(RECORDER.data_ms[page.key])
            entry["run_cached_ms"].append(_rerun_ms(at))
        if round_ == 0:  # every page rendered once (cold, then from the cache)
            result["peak_rss_mb"] = peak_rss_mb()
    result["rss_after_mb"] = current_rss_mb()
    # The framework's floor for a page run: a page with a title and a table of 200 rows, run the same way.
    floor = AppTest.from_string(FLOOR_PAGE)
    floor.run()
    result["floor_run_ms"] = [_rerun_ms(floor) for _ in range(max(repeat, 5))]
    for page in pages:
        entry = first[page.key]
        entry["title"] = page.title
        entry["path"] = page.path
        result["pages"][page.key] = entry
    return result


def reference_all(url: str, result: dict, repeat: int, chill=None) -> None:
    """Each page's calls replayed `repeat` times: after a chill when there is one (reference_cold_ms), then again
    at once (reference_ms, warm)."""
    from bench import reference

    connection = reference.connect(url)

    def replay(entry: dict, missing: set[str]) -> float:
        total = 0.0
        for name, args, kwargs in entry["calls"]:
            elapsed = reference.run(connection, url, name, args, kwargs)
            if elapsed is None:
                missing.add(name)
            else:
                total += elapsed
        return total

    try:
        for _key, entry in result["pages"].items():
            cold: list[float] = []
            warm: list[float] = []
            missing: set[str] = set()
            for _ in range(repeat):
                if chill is not None:
                    connection.close()
                    chill()
                    connection = reference.connect(url)
                    cold.append(replay(entry, missing))
                warm.append(replay(entry, missing))
            entry["reference_ms"] = warm
            entry["reference_cold_ms"] = cold or warm
            entry["reference_missing"] = sorted(missing)
    finally:
        connection.close()


def _jsonable(result: dict) -> dict:
    for entry in result.get("pages", {}).values():
        entry["calls"] = [name for name, _a, _k in entry["calls"]]
    return result


def _chill_and_reconnect(cluster):
    """The cluster made cold, then the app's pooled connections opened again: a server that has been up for long
    has its connections open but its data out of memory; reconnecting is no part of a cold page (the reference
    connects outside its timing too)."""

    def chill() -> None:
        cluster.chill()
        from db import engine as db_engine

        for sessions in list(db_engine._shared.values()):
            bind = sessions.kw["bind"]
            bind.dispose()
            with bind.connect() as connection:
                connection.exec_driver_sql("SELECT 1")

    return chill


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--now", required=True)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", required=True)
    parser.add_argument("--pages", help="comma-separated page keys (default: every staff page)")
    parser.add_argument("--cold-port", type=int, help="the URL is bench.cold's cluster on this port: chill it")
    args = parser.parse_args(argv)
    os.environ["DATABASE_URL"] = args.url
    os.environ["TEPLO_NOW"] = args.now
    from core import config

    config.use(None)  # the settings are built again from the environment: this database, this clock
    try:
        only = set(args.pages.split(",")) if args.pages else None
        chill = None
        if args.cold_port:
            from bench.cold import Cluster

            chill = _chill_and_reconnect(Cluster(Path(f"/tmp/teplo-bench-pg-{args.cold_port}"), args.cold_port))
        result = render_all(args.url, max(1, args.repeat), only, chill)
        reference_all(args.url, result, max(1, args.repeat), chill)
        result = _jsonable(result)
    except Exception:
        result = {"error": traceback.format_exc()}
    Path(args.out).write_text(json.dumps(result, default=str, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
