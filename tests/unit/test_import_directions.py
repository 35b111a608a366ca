"""The direction of imports, read from the source (every import, also those inside functions):
pages → ui → core → db, web (HTTP routes) → core → db, and the demo generator above core (docs/architecture.md). A lower layer never
imports a higher one, and the staff dashboard's code never reaches the public app's routes, pages or session."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("db", "core", "ui", "web", "pages", "demo")
ENTRYPOINTS = ("public_app", "staff_dashboard", "manage")

# What each package may not import (directly, anywhere in its files).
FORBIDDEN = {
    "db": {"core", "ui", "web", "pages", "demo", "streamlit", *ENTRYPOINTS},
    "core": {"ui", "web", "pages", "demo", "streamlit", *ENTRYPOINTS},
    "ui": {"web", "pages", "demo", *ENTRYPOINTS},
    "web": {"ui", "pages", "demo", *ENTRYPOINTS},
    "pages": {"web", "demo", *ENTRYPOINTS},
    "demo": {"ui", "web", "pages", "streamlit", *ENTRYPOINTS},
}
# Allowed across: the routes' short pages (not found, faults) speak the apps' texts.
EXCEPTIONS = {("web", "ui.public_text")}
# The public app's own modules: the staff process must load none of them.
PUBLIC_ONLY = {
    "web.public_routes",
    "web.session_routes",
    "web.payment_routes",
    "ui.public_session",
    "ui.public_shell",
    "ui.public_forms",
    "ui.pay_text",
    "core.payments",
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_files() -> dict[str, Path]:
    files = {module_name(ROOT / f"{name}.py"): ROOT / f"{name}.py" for name in ENTRYPOINTS}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" not in path.parts or package != "db":
                files[module_name(path)] = path
    return files


def imported(path: Path, known: set[str]) -> set[str]:
    """Every module the file imports (project modules resolved: `from core import config` is core.config)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names if f"{node.module}.{alias.name}" in known}
    return found


def test_the_scan_sees_imports_inside_functions_and_from_packages():
    files = project_files()
    deployment = imported(files["core.deployment"], set(files))
    assert "core.staff" in deployment  # imported inside check_database
    assert "core.config" in imported(files["core.register"], set(files))


def test_no_layer_imports_a_higher_one():
    files = project_files()
    offenders = []
    for name, path in files.items():
        layer = name.split(".")[0]
        for target in imported(path, set(files)):
            if target.split(".")[0] in FORBIDDEN.get(layer, set()) and (layer, target) not in EXCEPTIONS:
                offenders.append(f"{name} imports {target}")
    assert offenders == []


def test_the_staff_dashboards_code_reaches_none_of_the_public_apps_modules():
    files = project_files()
    known = set(files)
    graph = {name: {t for t in imported(path, known) if t in known} for name, path in files.items()}
    for name in list(graph):  # importing a package's module runs the package's __init__ too
        graph[name] |= {".".join(t.split(".")[:i]) for t in graph[name] for i in range(1, t.count(".") + 1)} & known
    start = ["staff_dashboard", "web.staff_routes", *(n for n in files if n.startswith("pages.staff."))]
    reached, todo = set(), list(start)
    while todo:
        current = todo.pop()
        if current not in reached:
            reached.add(current)
            todo.extend(graph.get(current, ()))
    assert "ui.staff_access" in reached and "web.health" in reached  # the scan follows the staff app's imports
    assert reached & PUBLIC_ONLY == set()
    assert not any(name.startswith("pages.public") for name in reached)
