"""In a real browser: with the database stopped, a click in either app shows the app's own short message inside
the normal page (header and menu still there, no traceback, no server path) and, once the database is back, the
next click works with no reload. Both apps also hide Streamlit's developer chrome and answer unknown or nested
addresses with their own Ukrainian "page not found".

The database of the fault test is a throwaway PostgreSQL cluster that the test creates with initdb/pg_ctl in a
temporary folder on a free port (as the `postgres` user when run as root), so stopping it disturbs nobody."""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.e2e.conftest import WINDOW_OPEN
from tests.e2e.harness import (
    COMMAND_TIMEOUT,
    DESKTOP,
    EXCEPTION,
    ROOT,
    TIMEOUT,
    clean_environment,
    copy_database,
    demo_consumer,
    expect,
    expect_text,
    fill,
    free_port,
    log_in,
    normal,
    open_app,
    running,
    screenshot,
    wait_idle,
)

UNAVAILABLE = "Сервіс тимчасово недоступний, спробуйте за хвилину"
SERVER_DETAILS = ("OperationalError", "Traceback", "sqlalchemy", "psycopg2", str(ROOT), "site-packages", ".py")


class ThrowawayPostgres:
    """A PostgreSQL cluster of this test alone: created, started, stopped and removed by it."""

    def __init__(self) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
        if not found:
            pytest.skip("no PostgreSQL server binaries in /usr/lib/postgresql/*/bin (apt-get install postgresql)")
        self.bin = Path(found[-1]).parent
        self.as_user: list[str] = []
        if os.geteuid() == 0:  # initdb refuses root: run the cluster as the postgres user
            if shutil.which("runuser") is None:
                pytest.skip("running as root without runuser: cannot start a PostgreSQL cluster as postgres")
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self.folder = Path(tempfile.mkdtemp(prefix="teplo-e2e-pg-"))
        if self.as_user:
            shutil.chown(self.folder, "postgres")
        self.data = self.folder / "data"
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self._pg("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync")
        self.start()

    def _pg(self, tool: str, *args: str) -> None:
        result = subprocess.run(
            [*self.as_user, str(self.bin / tool), *args], capture_output=True, text=True, timeout=COMMAND_TIMEOUT
        )
        if result.returncode != 0:
            raise RuntimeError(f"{tool} failed: {result.stdout}\n{result.stderr}")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._pg("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.folder / "server.log"), "-w", "start")

    def stop(self) -> None:
        self._pg("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        subprocess.run(
            [*self.as_user, str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"],
            capture_output=True,
            timeout=COMMAND_TIMEOUT,
        )
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture(scope="module")
def postgres(browser):
    cluster = ThrowawayPostgres()
    try:
        env = {**clean_environment(), "DATABASE_URL": cluster.url, "TEPLO_NOW": WINDOW_OPEN, "TEPLO_DEMO": "1"}
        subprocess.run(
            [sys.executable, "manage.py", "demo", "--size", "tiny"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            timeout=COMMAND_TIMEOUT,
        )
        yield cluster
    finally:
        cluster.remove()


def assert_nothing_of_the_server(page) -> None:
    text = normal(page.inner_text("body"))
    assert page.locator(EXCEPTION).count() == 0
    assert not [detail for detail in SERVER_DETAILS if detail in text], text


def click_menu(page, name: str) -> None:
    page.get_by_role("link", name=re.compile(rf"(^|\s){re.escape(name)}$")).first.click()


def test_consumer_cabinet_survives_the_database_going_away_and_coming_back(browser, postgres):
    login, number, password = demo_consumer(postgres.url)
    with running("public_app.py", postgres.url, WINDOW_OPEN) as server:
        context = browser.new_context(viewport=DESKTOP)
        page = context.new_page()
        log_in(page, server.url, login, password)
        expect_text(page, f"Особовий рахунок {number}")

        postgres.stop()
        try:
            click_menu(page, "Показання")
            expect_text(page, UNAVAILABLE)
            expect(page.get_by_text("Кабінет споживача").first).to_be_visible()  # the header
            for item in ("Мій рахунок", "Показання", "Оплата", "Профіль"):  # the menu
                expect(page.get_by_role("link", name=re.compile(rf"{item}$")).first).to_be_visible()
            assert_nothing_of_the_server(page)
            screenshot(page, "fault-consumer-database-down")
        finally:
            postgres.start()

        click_menu(page, "Оплата")  # the database is back: the next click works, no reload
        expect_text(page, "Без комісії.")
        assert UNAVAILABLE not in normal(page.inner_text("body"))
        assert_nothing_of_the_server(page)
        context.close()


def test_staff_dashboard_survives_the_database_going_away_and_coming_back(browser, postgres):
    with running("staff_dashboard.py", postgres.url, WINDOW_OPEN) as server:
        context = browser.new_context(viewport=DESKTOP)
        page = context.new_page()
        open_app(page, server.url + "/")
        fill(page, "Ім'я користувача", "admin")
        fill(page, "Пароль", "demo-admin-2026")
        page.get_by_role("button", name="Увійти").click()
        expect_text(page, "Огляд")

        postgres.stop()
        try:
            click_menu(page, "Користувачі")
            expect_text(page, UNAVAILABLE)
            sidebar = page.locator("[data-testid='stSidebar']")
            for item in ("Огляд", "Пошук рахунку", "Користувачі"):  # the menu stays
                expect(sidebar.get_by_role("link", name=re.compile(item)).first).to_be_visible()
            assert_nothing_of_the_server(page)
            screenshot(page, "fault-staff-database-down")
        finally:
            postgres.start()

        click_menu(page, "Користувачі")
        expect_text(page, "Користувачі та ролі")
        assert UNAVAILABLE not in normal(page.inner_text("body"))
        assert_nothing_of_the_server(page)
        context.close()


@pytest.mark.parametrize("script", ["public_app.py", "staff_dashboard.py"])
def test_no_developer_chrome_and_our_own_not_found_page(browser, demo_database, tmp_path, script):
    """Started like the browser suite starts it (no --client.toolbarMode flag): .streamlit/config.toml decides."""
    database = copy_database(demo_database, tmp_path, "chrome.sqlite3")
    with running(script, database, WINDOW_OPEN) as server:
        page = browser.new_page(viewport=DESKTOP)
        open_app(page, server.url + "/")
        assert page.locator("[data-testid='stAppDeployButton']").count() == 0
        if script == "public_app.py":  # no ⋮ menu for a consumer: its items are in English only
            expect(page.get_by_text("Вхід до кабінету").first).to_be_visible()
            assert page.locator("[data-testid='stMainMenu']").count() == 0
        else:
            page.locator("[data-testid='stMainMenu']").first.click()  # the ⋮ menu keeps what staff may use
            menu = page.locator("[data-testid='stMainMenuList']")
            expect(menu).to_contain_text("Print")
            shown = menu.inner_text()
            assert not [word for word in ("Rerun", "Clear cache", "Deploy", "Settings") if word in shown], shown
            page.keyboard.press("Escape")

        for path in ("/staff/overview", "/no-such-page", "/pages/staff/imports.py", "/account/x/y"):
            try:
                urllib.request.urlopen(server.url + path, timeout=TIMEOUT)
                status = 200
            except urllib.error.HTTPError as error:
                status = error.code
            assert status == 404, path
            page.goto(server.url + path)
            expect(page.get_by_role("heading", name="Сторінку не знайдено")).to_be_visible()
            expect(page.get_by_role("link", name="На головну")).to_be_visible()
        page.get_by_role("link", name="На головну").click()
        wait_idle(page)
        expect(
            page.get_by_text("Вхід до кабінету" if script == "public_app.py" else "Панель працівника").first
        ).to_be_visible()
        screenshot(page, f"not-found-{Path(script).stem}")
        page.close()
