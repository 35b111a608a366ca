"""Developer chrome off for everyone and the app's own "page not found", checked without a server (the browser
suite checks the same on running servers)."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

from web.not_found import PUBLIC_PAGES, is_known, page

ROOT = Path(__file__).resolve().parents[2]


def test_streamlit_config_hides_developer_chrome_and_error_details():
    """Read by `streamlit run` from the project folder, so a bare `streamlit run public_app.py` is safe too."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["toolbarMode"] == "viewer"
    assert config["client"]["showErrorDetails"] in ("none", False)
    assert config["browser"]["gatherUsageStats"] is False


def test_the_not_found_middleware_knows_every_page_public_app_registers():
    tree = ast.parse((ROOT / "public_app.py").read_text(encoding="utf-8"))
    registered = {
        call.args[3].value
        for call in ast.walk(tree)
        if isinstance(call, ast.Call) and getattr(call.func, "id", None) == "page" and len(call.args) > 3
    }
    assert registered == set(PUBLIC_PAGES)


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/login",
        "/pay-result",
        "/account/",
        "/_stcore/health",
        "/static/js/x.js",
        "/favicon.png",
        "/media/abc.csv",
        "/health",
        "/session/start",
    ],
)
def test_pages_routes_and_streamlits_own_files_pass(path):
    assert is_known(path, frozenset(PUBLIC_PAGES), frozenset({"/health", "/session/start"}))


@pytest.mark.parametrize(
    "path",
    ["/staff/overview", "/overview", "/pages/staff/imports.py", "/account/x", "/login/users", "/.env", "/staticx"],
)
def test_unknown_and_nested_paths_are_not_found(path):
    assert not is_known(path, frozenset(PUBLIC_PAGES), frozenset({"/health", "/session/start"}))


def test_the_not_found_page_is_ukrainian_and_self_contained():
    body = page("Кабінет споживача")
    assert "Сторінку не знайдено" in body and 'href="/"' in body and "На головну" in body
    assert "<script" not in body and "http" not in body
    # English below, as sentences: "Page not found There is no such page" read as one broken line.
    assert '<p class="en" lang="en">Page not found. There is no such page.' in body
