"""In a real browser: the consumer stays logged in across reloads and new tabs (HttpOnly session cookie backed
by a database row), and logging out ends it for good."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import WINDOW_OPEN
from tests.e2e.harness import PHONE, copy_database, running, wait_idle

ACCOUNT_TITLE = "Мій рахунок"
LOGIN_TITLE = "Вхід до кабінету"


def heading(page, name):
    return page.get_by_role("heading", name=name, exact=True)


def session_cookie(context):
    return next((c for c in context.cookies() if c["name"] == "teplo_session"), None)


@pytest.fixture(scope="module")
def server(demo_database, tmp_path_factory):
    """One public app over a fresh copy of the demo database, for the tests of this module."""
    database = copy_database(demo_database, tmp_path_factory.mktemp("cookie"), "cookie.sqlite3")
    with running("public_app.py", database, WINDOW_OPEN) as app:
        app.database = database
        yield app


def test_registration_login_survives_reload_and_logout_ends_it(browser, server):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(server.url)
    wait_idle(page)
    page.get_by_role("link", name="Зареєструватися").click()
    expect(heading(page, "Реєстрація")).to_be_visible()
    page.get_by_role("textbox", name="Номер особового рахунку", exact=True).fill("1120200001000")
    page.get_by_role("textbox", name="Сума останнього платежу, ₴", exact=True).fill("1 866,66")
    page.get_by_role("textbox", name="Логін: телефон або e-mail", exact=True).fill("cookie.test@example.com")
    page.get_by_role("textbox", name="Пароль (щонайменше 8 символів)", exact=True).fill("teplo-kvartyra-1")
    page.get_by_role("textbox", name="Пароль ще раз", exact=True).fill("teplo-kvartyra-1")
    with page.expect_response(lambda r: "/session/start" in r.url):  # it sets the cookie
        page.get_by_role("button", name="Зареєструватися").click()

    expect(page.get_by_text("Реєстрацію завершено")).to_be_visible()
    expect(heading(page, ACCOUNT_TITLE)).to_be_visible()
    cookie = session_cookie(context)
    assert cookie is not None
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and cookie["path"] == "/"
    assert page.evaluate("document.cookie").find("teplo_session") == -1  # invisible to scripts

    page.reload()
    wait_idle(page)
    expect(heading(page, ACCOUNT_TITLE)).to_be_visible()
    other_tab = context.new_page()
    other_tab.goto(f"{server.url}/readings")
    wait_idle(other_tab)
    expect(heading(other_tab, "Показання лічильників")).to_be_visible()
    other_tab.close()

    page.get_by_role("link", name="Профіль").click()
    expect(heading(page, "Профіль")).to_be_visible()
    with page.expect_response(lambda r: "/session/logout" in r.url):  # it drops the cookie
        page.get_by_role("button", name="Вийти").click()
    expect(heading(page, LOGIN_TITLE)).to_be_visible()
    assert session_cookie(context) is None
    page.reload()
    wait_idle(page)
    expect(heading(page, LOGIN_TITLE)).to_be_visible()
    context.close()


def test_a_stolen_cookie_stops_working_after_logout(browser, server):
    """Logging out revokes the server-side row: replaying the old cookie value does not log anyone in."""
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(server.url)
    wait_idle(page)
    page.get_by_role("textbox", name="Телефон або e-mail", exact=True).fill(_demo_login(server.database))
    page.get_by_role("textbox", name="Пароль", exact=True).fill("demo-consumer-2026")
    with page.expect_response(lambda r: "/session/start" in r.url):
        page.get_by_role("button", name="Увійти").click()
    expect(heading(page, ACCOUNT_TITLE)).to_be_visible()
    stolen = session_cookie(context)
    page.get_by_role("link", name="Профіль").click()
    expect(heading(page, "Профіль")).to_be_visible()
    with page.expect_response(lambda r: "/session/logout" in r.url):
        page.get_by_role("button", name="Вийти").click()
    expect(heading(page, LOGIN_TITLE)).to_be_visible()
    context.add_cookies([stolen])
    page.reload()
    wait_idle(page)
    expect(heading(page, LOGIN_TITLE)).to_be_visible()
    context.close()


def _demo_login(database_url: str) -> str:
    from sqlalchemy import create_engine, select

    from db.models import ConsumerLogin

    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            login = connection.scalar(select(ConsumerLogin.login).order_by(ConsumerLogin.id).limit(1))
            assert login is not None, "the demo has consumer logins"
            return login
    finally:
        engine.dispose()
