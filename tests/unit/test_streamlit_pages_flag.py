"""web/startup.py clears a private flag of Streamlit's (PagesManager.uses_pages_directory) so that the first page
a fresh server shows comes from st.navigation, not from the `pages/` folder. Private means any upgrade may change
it: these tests pin the version it was read in and the behaviour it relies on, and fail loudly otherwise (the
browser's view of it: tests/e2e/test_deep_links.py)."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest
import streamlit
from streamlit.runtime.pages_manager import PagesManager

from web.startup import CHECKED_STREAMLIT, pages_from_navigation_only

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def fresh_flag(monkeypatch):
    """The flag as a newly started server has it (AppTest resets it the same way)."""
    monkeypatch.setattr(PagesManager, "uses_pages_directory", None)


def test_streamlit_is_the_release_the_private_flag_was_checked_in():
    assert streamlit.__version__ == CHECKED_STREAMLIT, (
        f"Streamlit {streamlit.__version__} is not {CHECKED_STREAMLIT}: read PagesManager.uses_pages_directory in "
        "the new release (runtime/pages_manager.py, commands/navigation.py, runtime/scriptrunner/script_runner.py), "
        "run tests/e2e/test_deep_links.py, then update CHECKED_STREAMLIT in web/startup.py"
    )


def test_unfixed_a_pages_folder_beside_the_entrypoint_makes_the_first_run_an_old_style_multipage_app(fresh_flag):
    """The problem itself: without the fix, Streamlit decides from the folder that the app uses pages/."""
    PagesManager(str(ROOT / "public_app.py"))
    assert PagesManager.uses_pages_directory is True


def test_cleared_at_start_the_flag_stays_off_for_both_apps(fresh_flag):
    pages_from_navigation_only()
    for entrypoint in ("public_app.py", "staff_dashboard.py"):
        PagesManager(str(ROOT / entrypoint))
        assert PagesManager.uses_pages_directory is False


def test_the_script_runner_still_chooses_the_old_multipage_run_by_that_flag():
    from streamlit.runtime.scriptrunner import script_runner

    assert "if PagesManager.uses_pages_directory:" in inspect.getsource(script_runner)


def test_the_start_refuses_to_go_on_when_the_flag_is_gone(monkeypatch):
    monkeypatch.delattr(PagesManager, "uses_pages_directory")
    with pytest.raises(RuntimeError, match="uses_pages_directory"):
        pages_from_navigation_only()
