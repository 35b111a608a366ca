"""Fixtures of the real-browser suite: one demo database per run, apps started per pinned business date; a failing
test leaves its screenshots and server logs in tests/artifacts/<test>/."""

from __future__ import annotations

import pytest

from tests.e2e.harness import close_browser, keep_failure_artifacts, launch_browser, make_demo_database, require_browser

# A date inside the November 2026 reading window (25 Nov - 3 Dec), as the demo data is generated.
WINDOW_OPEN = "2026-11-27T12:00"
# A week earlier: the October window has closed and the November one opens on the 25th.
WINDOW_CLOSED = "2026-11-20T12:00"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    keep_failure_artifacts(item, call, report)
    return report


@pytest.fixture(scope="session")
def browser():
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = launch_browser(playwright)
        yield instance
        close_browser(instance)


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory, browser):
    """The demo database as generated on WINDOW_OPEN; tests copy it when they need a clean one."""
    return make_demo_database(tmp_path_factory.mktemp("e2e"), WINDOW_OPEN)
