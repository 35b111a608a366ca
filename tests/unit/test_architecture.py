"""Standing rules of the architecture that a file scan can check."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_no_page_files_directly_in_pages():
    # Streamlit's automatic multipage mode would serve them before any login check.
    assert sorted(p.name for p in (ROOT / "pages").glob("*.py")) == []


def test_core_and_db_never_import_streamlit():
    offenders = [
        str(path.relative_to(ROOT))
        for folder in ("core", "db")
        for path in (ROOT / folder).rglob("*.py")
        if re.search(r"^\s*(import streamlit|from streamlit)", path.read_text(encoding="utf-8"), re.M)
    ]
    assert offenders == []


def test_no_float_in_core_money_code():
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "core").rglob("*.py")
        if re.search(r"\bfloat\(", path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_the_staff_process_loads_none_of_the_public_apps_routes():
    """The staff dashboard is its own process: importing it (as its server does) loads no consumer route module."""
    import os
    import subprocess
    import sys

    probe = (
        "import sys; import staff_dashboard; print(' '.join(sorted(m for m in sys.modules if m.startswith('web.'))))"
    )
    # Demo mode: the production guard would (rightly) refuse this machine's settings before the routes load.
    loaded = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        env={**os.environ, "TEPLO_DEMO": "1"},
    ).stdout.split()
    assert "web.staff_routes" in loaded
    assert not {"web.public_routes", "web.session_routes", "web.payment_routes"} & set(loaded)
