"""On a freshly started public server, before any other page load, no staff page shows staff content."""

import urllib.request

import pytest

from tests.e2e.conftest import WINDOW_OPEN
from tests.e2e.harness import copy_database, open_app, running, screenshot

STAFF_WORDS = ["Панель працівника", "Вхід для працівників", "Додаткові нарахування", "Імпорт", "Користувачі"]


@pytest.fixture(scope="module")
def fresh_public(demo_database, tmp_path_factory):
    url = copy_database(demo_database, tmp_path_factory.mktemp("sec"), "security.sqlite3")
    with running("public_app.py", url, WINDOW_OPEN) as server:
        yield server


def test_staff_urls_on_the_public_server_show_no_staff_content(browser, fresh_public):
    page = browser.new_page()
    for path in ["/overview", "/imports", "/users", "/staff", "/additional_charges", "/windows", "/explore",
                 "/lookup", "/pages/staff/overview", "/pages/staff/imports.py"]:
        if path.count("/") > 1:
            # Nested paths do not even load the app's assets: the page stays empty.
            page.goto(fresh_public.url + path)
            page.wait_for_load_state("networkidle")
        else:
            open_app(page, fresh_public.url + path)
        text = page.inner_text("body")
        assert not any(word in text for word in STAFF_WORDS), path
    screenshot(page, "security-staff-urls-on-public")
    page.close()


def test_health_route(fresh_public):
    with urllib.request.urlopen(fresh_public.url + "/health", timeout=5) as response:
        assert response.status == 200 and b"ok" in response.read()
