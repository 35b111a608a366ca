"""AppTest fixtures: the real entrypoints over a migrated SQLite copy, with the business clock pinned."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from db.engine import make_sessions
from tests.conftest import World

ROOT = Path(__file__).resolve().parents[2]
# Inside the November 2026 reading window (25 Nov - 3 Dec, Kyiv time).
WINDOW_OPEN = "2026-11-27T12:00"


@pytest.fixture
def app_sessions(configure, sqlite_engine):
    """Point the apps at a fresh migrated SQLite database and pin the clock; caches start empty. Production mode
    unless a test asks for `demo_mode` (the demo payment provider)."""
    configure(
        DATABASE_URL=sqlite_engine.url.render_as_string(hide_password=False), TEPLO_DEMO=None, TEPLO_NOW=WINDOW_OPEN
    )
    st.cache_resource.clear()
    st.cache_data.clear()
    yield make_sessions(sqlite_engine)
    st.cache_resource.clear()
    st.cache_data.clear()


@pytest.fixture
def demo_mode(configure, app_sessions):
    """TEPLO_DEMO=1, as ./run.sh sets it: the demo payment provider and the demo banner."""
    configure(TEPLO_DEMO="1")


@pytest.fixture
def app_world(app_sessions) -> World:
    return World(app_sessions)


def open_app(script: str) -> AppTest:
    """The entrypoint as a browser would open it (script is relative to the project root)."""
    at = AppTest.from_file(str(ROOT / script), default_timeout=30)
    at.run()
    return at


def open_tab(at: AppTest, key: str, label: str) -> AppTest:
    """Choose the tab `label` of the page's tabs `key`, as a click on it does (only the chosen tab's part runs)."""
    at.session_state[key] = label
    return at.run()
