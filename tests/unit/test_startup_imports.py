"""The servers load their pages' code at start (web.startup.import_what_pages_import), so the first visitor of a
page after a start or restart does not wait for it."""

from __future__ import annotations

import sys

from web.startup import import_what_pages_import


def test_the_modules_a_page_imports_are_loaded_at_start(tmp_path, monkeypatch):
    package = tmp_path / "startup_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "charts.py").write_text("DRAWN = True\n")
    (package / "rules.py").write_text("def rule():\n    return 1\n")
    (package / "unused.py").write_text("")
    page = tmp_path / "page.py"
    page.write_text(
        "import json\n"
        "from startup_pkg import charts\n"
        "from startup_pkg.rules import rule\n"
        "if False:\n"
        "    from . import nothing  # relative: not the project's absolute imports\n"
        "st_title = rule()\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in [n for n in sys.modules if n.startswith("startup_pkg")]:
        monkeypatch.delitem(sys.modules, name)

    names = import_what_pages_import([page])

    assert {"json", "startup_pkg", "startup_pkg.charts", "startup_pkg.rules"} <= set(names)
    assert {"startup_pkg.charts", "startup_pkg.rules"} <= set(sys.modules)
    assert "startup_pkg.unused" not in sys.modules  # only what a page imports
    assert "startup_pkg.rules.rule" not in names  # a function, not a module


def test_every_page_of_both_apps_is_covered():
    """The real pages: their imports resolve (a renamed module would stop the server at start, not a visitor)."""
    from pathlib import Path

    from ui.staff_access import PAGES

    root = Path(__file__).resolve().parents[2]
    names = import_what_pages_import(
        ["staff_dashboard.py", *(p.path for p in PAGES), *sorted(root.glob("pages/public/*.py"))]
    )
    assert {"ui.staff_data", "ui.staff_view", "core.readings", "ui.month_chart"} <= set(names)
    assert "core.dashboard" in sys.modules  # what those modules import comes with them


def test_what_the_start_loaded_is_left_out_of_collections_and_what_comes_later_is_not():
    """web.startup.keep_loaded_code_out_of_collections: the loaded modules' objects leave the collector's reach;
    a cycle a visitor's run leaves behind afterwards is still collected."""
    import gc
    import weakref

    from web.startup import keep_loaded_code_out_of_collections

    try:
        keep_loaded_code_out_of_collections()
        assert gc.get_freeze_count() > 10_000  # this process's Streamlit, SQLAlchemy and project modules

        class Node:
            pass

        later = Node()
        later.itself = later
        gone = weakref.ref(later)
        del later
        gc.collect()
        assert gone() is None
    finally:
        gc.unfreeze()
