"""The harness itself: its waits outlast Playwright's own 5-second default, and a failing browser test leaves a
screenshot of its page and its app server's log in tests/artifacts/<test>/, with the report saying where.

The failures are real: a small test file written here is run by a second pytest with the suite's conftest."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
import time

from tests.e2e.harness import ARTIFACTS, COMMAND_TIMEOUT, ROOT, TIMEOUT, artifacts_directory, expect

PROBE = "test_failure_evidence_probe.py"

PROBE_TESTS = '''
    """Deliberately failing tests, run by tests/e2e/test_harness_waits_and_evidence.py (not part of the suite)."""
    import pytest

    from db.engine import make_engine
    from db.migrate import upgrade
    from tests.e2e.harness import expect_text, main_text, open_app, running


    @pytest.fixture(scope="module")
    def server(tmp_path_factory):
        url = f"sqlite:///{tmp_path_factory.mktemp('probe') / 'probe.sqlite3'}"
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        with running("public_app.py", url, "2026-11-27T12:00") as app:
            yield app


    def test_a_step_fails_and_the_context_is_closed_on_the_way_out(browser):
        context = browser.new_context()
        try:
            page = context.new_page()
            page.set_content("<h1>Before the failing step</h1>")
            raise AssertionError("the failing step")
        finally:
            context.close()


    def test_a_step_fails_on_the_login_page(browser, server):
        page = browser.new_context().new_page()
        open_app(page, server.url + "/login")
        expect_text(page, "Вхід до кабінету")  # the login page is drawn; the next step fails on purpose
        assert "A text the cabinet never shows" in main_text(page)


    def test_a_passing_test_leaves_nothing(browser, server):
        page = browser.new_context().new_page()
        open_app(page, server.url + "/login")
        expect_text(page, "Вхід до кабінету")
        page.context.close()
'''


def test_an_element_that_takes_longer_than_playwrights_five_seconds_is_still_found(browser):
    """Playwright's `expect` gives up after 5 s unless told otherwise; a slow machine needs more (TIMEOUT)."""
    assert TIMEOUT > 7
    page = browser.new_page()
    page.set_content("<script>setTimeout(() => { document.body.innerHTML = '<p>late</p>'; }, 6500)</script>")
    started = time.monotonic()
    expect(page.get_by_text("late")).to_be_visible()
    assert time.monotonic() - started >= 6
    page.close()


def test_a_failing_browser_test_saves_its_screenshot_and_the_server_log(browser, tmp_path):
    (tmp_path / "conftest.py").write_text(
        "from tests.e2e.conftest import browser, pytest_runtest_makereport  # noqa: F401\n", encoding="utf-8"
    )
    (tmp_path / PROBE).write_text(textwrap.dedent(PROBE_TESTS), encoding="utf-8")
    folders = {
        name: artifacts_directory(f"{PROBE}::{name}")
        for name in (
            "test_a_step_fails_on_the_login_page",
            "test_a_step_fails_and_the_context_is_closed_on_the_way_out",
            "test_a_passing_test_leaves_nothing",
        )
    }
    for folder in folders.values():
        shutil.rmtree(folder, ignore_errors=True)
    try:
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-p",
                "no:cacheprovider",
                "-q",
                "--rootdir",
                str(tmp_path),
                str(tmp_path / PROBE),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
        )
        output = run.stdout + run.stderr
        assert run.returncode == 1 and "2 failed, 1 passed" in output, output

        on_page = folders["test_a_step_fails_on_the_login_page"]
        shot = on_page / "page-1.png"
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 5_000
        logs = list(on_page.glob("server-public_app-*.log"))
        assert len(logs) == 1, sorted(on_page.iterdir())
        assert '"msg": "server started", "app": "public_app"' in logs[0].read_text(encoding="utf-8")
        assert f"saved in {on_page}" in output and shot.name in output and logs[0].name in output

        closed = folders["test_a_step_fails_and_the_context_is_closed_on_the_way_out"]
        assert (closed / "closed-page-1.png").read_bytes()[:4] == b"\x89PNG"
        assert not list(closed.glob("server-*.log"))  # it ran before any server was started
        assert f"saved in {closed}" in output

        assert not folders["test_a_passing_test_leaves_nothing"].exists()
        assert ARTIFACTS in on_page.parents
    finally:
        for folder in folders.values():
            shutil.rmtree(folder, ignore_errors=True)
