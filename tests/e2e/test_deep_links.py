"""A link into a cabinet page (a bookmark, an e-mailed link, the payment provider's return page) opened as the very
first page of a freshly started server shows that page, without Streamlit's "Page not found" dialog."""

from tests.e2e.conftest import WINDOW_OPEN
from tests.e2e.harness import copy_database, expect, open_app, running, screenshot


def first_page_after_start(browser, script: str, database: str, path: str, heading: str, shot: str) -> None:
    with running(script, database, WINDOW_OPEN) as server:  # nothing else has loaded a page on it yet
        page = browser.new_page()
        open_app(page, server.url + path)
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
        assert page.get_by_text("Page not found").count() == 0
        assert page.locator("[role='dialog']").count() == 0
        screenshot(page, shot)
        page.close()


def test_the_registration_link_on_a_fresh_public_server(browser, demo_database, tmp_path):
    database = copy_database(demo_database, tmp_path, "deep-public.sqlite3")
    first_page_after_start(browser, "public_app.py", database, "/register", "Реєстрація", "deep-link-register")
