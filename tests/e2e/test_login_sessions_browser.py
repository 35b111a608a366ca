"""Login sessions in a real browser. Staff: F5 and a new tab keep the sign-in, a bookmarked page opens after
sign-in (no "Page not found"), logging out ends the session for good. Consumers: a login ticket taken from one
browser logs nobody in elsewhere (login CSRF); a link to the logout route signs nobody out."""

from __future__ import annotations

import re

import pytest

from demo.generator import DEMO_STAFF
from tests.e2e.conftest import WINDOW_OPEN
from tests.e2e.harness import (
    DESKTOP,
    PHONE,
    click_button,
    copy_database,
    demo_consumer,
    expect,
    expect_text,
    fill,
    open_app,
    running,
    screenshot,
    wait_idle,
)

STAFF_LOGIN = "Панель працівника"
STAFF_COOKIE = "teplo_staff_session"


@pytest.fixture(scope="module")
def database(demo_database, tmp_path_factory):
    return copy_database(demo_database, tmp_path_factory.mktemp("login-sessions"), "sessions.sqlite3")


@pytest.fixture(scope="module")
def staff(database):
    with running("staff_dashboard.py", database, WINDOW_OPEN) as server:
        yield server


@pytest.fixture(scope="module")
def public(database):
    with running("public_app.py", database, WINDOW_OPEN) as server:
        yield server


def heading(page, name):
    return page.get_by_role("heading", name=name, exact=True)


def cookie(context, name):
    return next((c for c in context.cookies() if c["name"] == name), None)


def staff_sign_in(page, username: str = "admin") -> None:
    """Fill the staff login form and wait for the cookie route to bring the dashboard back."""
    expect(heading(page, STAFF_LOGIN)).to_be_visible()
    wait_idle(page)
    fill(page, "Ім'я користувача", username)
    fill(page, "Пароль", DEMO_STAFF[username])
    with page.expect_response(lambda response: "/session/start" in response.url):
        click_button(page, "Увійти")
    wait_idle(page)


def no_page_not_found(page) -> None:
    assert page.get_by_text("Page not found").count() == 0
    assert page.locator("[role='dialog']").count() == 0


def test_a_bookmarked_staff_page_opens_after_sign_in_on_a_fresh_server(browser, database):
    with running("staff_dashboard.py", database, WINDOW_OPEN) as server:  # the bookmark is its first page
        context = browser.new_context(viewport=DESKTOP)
        page = context.new_page()
        open_app(page, server.url + "/payments")
        expect(heading(page, STAFF_LOGIN)).to_be_visible()
        no_page_not_found(page)
        assert page.get_by_text("Надходження оплат").count() == 0  # nothing of the page before sign-in
        staff_sign_in(page, "manager")
        expect(heading(page, "Надходження оплат")).to_be_visible()
        wait_idle(page)
        no_page_not_found(page)
        assert page.url.rstrip("/").endswith("/payments")
        screenshot(page, "staff-bookmark-after-sign-in")
        context.close()


@pytest.mark.parametrize(
    ("path", "username", "title", "address"),
    [
        ("/overview", "admin", "Огляд", "/overview"),  # the first page of the role
        ("/additional_charges", "operator", "Донарахування", "/additional_charges"),
        ("/lookup", "analyst", "Пошук рахунку", "/lookup"),
        ("/login", "manager", "Огляд", "/overview"),
        ("/overview", "operator", "Донарахування", "/additional_charges"),  # not a page of the role
    ],
)
def test_a_bookmarked_staff_address_shows_its_page_after_sign_in(browser, staff, path, username, title, address):
    """A bookmark to a staff address, opened signed out, leads to that page (or, when the role may not see it, to
    the role's first page) after sign-in, with no "Page not found" dialog over it."""
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    open_app(page, staff.url + path)
    expect(heading(page, STAFF_LOGIN)).to_be_visible()
    no_page_not_found(page)
    staff_sign_in(page, username)
    expect(heading(page, title)).to_be_visible()
    expect(page).to_have_url(re.compile(re.escape(address) + "$"))
    wait_idle(page)
    no_page_not_found(page)
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=re.compile("Пошук рахунку$")).click()
    # Nothing covers the page. Opened again from itself, the page's old elements stand beside the new ones until
    # its run ends, so there may be two such headings for a moment: one, once the run has settled.
    expect(heading(page, "Пошук рахунку").first).to_be_visible()
    wait_idle(page)
    expect(heading(page, "Пошук рахунку")).to_have_count(1)
    context.close()


def test_staff_stay_signed_in_across_reload_and_a_new_tab(browser, staff):
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    open_app(page, staff.url)
    staff_sign_in(page)
    expect(heading(page, "Огляд")).to_be_visible()
    staff_cookie = cookie(context, STAFF_COOKIE)
    assert staff_cookie is not None and staff_cookie["httpOnly"] and staff_cookie["sameSite"] == "Lax"

    page.reload()
    wait_idle(page)
    expect(heading(page, "Огляд")).to_be_visible()
    assert heading(page, STAFF_LOGIN).count() == 0

    tab = context.new_page()
    open_app(tab, staff.url + "/readings")
    expect(heading(tab, "Показання лічильників гарячої води")).to_be_visible()
    no_page_not_found(tab)
    context.close()


def test_staff_logout_ends_the_session_for_good(browser, staff):
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    open_app(page, staff.url)
    staff_sign_in(page, "analyst")
    expect(heading(page, "Огляд")).to_be_visible()
    stolen = cookie(context, STAFF_COOKIE)
    with page.expect_response(lambda response: "/session/logout" in response.url):
        page.get_by_test_id("stSidebar").get_by_role("button", name=re.compile("Вийти")).click()
    expect(heading(page, STAFF_LOGIN)).to_be_visible()
    assert cookie(context, STAFF_COOKIE) is None
    page.reload()
    wait_idle(page)
    expect(heading(page, STAFF_LOGIN)).to_be_visible()
    context.add_cookies([stolen])  # the old cookie, replayed
    page.reload()
    wait_idle(page)
    expect(heading(page, STAFF_LOGIN)).to_be_visible()
    assert heading(page, "Огляд").count() == 0
    context.close()


def test_a_login_ticket_from_another_browser_logs_nobody_in(browser, public, database):
    """The attacker logs in to their own account, holds back the redirect with the fresh ticket and sends the
    link to a victim: opened in the victim's browser, it must not log the victim into the attacker's account."""
    login, _number, password = demo_consumer(database)
    attacker = browser.new_context(viewport=PHONE)
    page = attacker.new_page()
    page.route(lambda url: "/session/start" in url, lambda route: route.abort())  # the ticket stays unused
    open_app(page, public.url)
    fill(page, "Телефон або e-mail", login)
    fill(page, "Пароль", password)
    with page.expect_request(lambda request: "/session/start" in request.url) as held:
        click_button(page, "Увійти")
    ticket_link = held.value.url
    assert "ticket=" in ticket_link
    assert cookie(attacker, "teplo_session") is None  # held back: the ticket is still fresh
    attacker.close()
    assert waiting_tickets(database) == 1

    victim = browser.new_context(viewport=PHONE)
    page = victim.new_page()
    open_app(page, public.url)  # the victim has been on the cabinet before
    page.goto(ticket_link)
    wait_idle(page)
    expect_text(page, "Вхід до кабінету")
    assert cookie(victim, "teplo_session") is None
    page.reload()
    wait_idle(page)
    expect(heading(page, "Вхід до кабінету")).to_be_visible()
    assert heading(page, "Мій рахунок").count() == 0
    assert waiting_tickets(database) == 0  # spent by the failed try: the attacker cannot aim it elsewhere
    victim.close()


def waiting_tickets(database_url: str) -> int:
    from sqlalchemy import func, select

    from db.engine import make_engine
    from db.models import ConsumerSession

    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return connection.execute(select(func.count()).where(ConsumerSession.ticket_hash.is_not(None))).scalar_one()
    finally:
        engine.dispose()


def test_a_link_to_the_logout_route_signs_nobody_out(browser, public, database):
    login, _number, password = demo_consumer(database)
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    open_app(page, public.url)
    fill(page, "Телефон або e-mail", login)
    fill(page, "Пароль", password)
    with page.expect_response(lambda response: "/session/start" in response.url):
        click_button(page, "Увійти")
    expect(heading(page, "Мій рахунок")).to_be_visible()

    page.goto(public.url + "/session/logout")  # as a link or an image on another site would
    assert cookie(context, "teplo_session") is not None
    open_app(page, public.url)
    expect(heading(page, "Мій рахунок")).to_be_visible()
    context.close()
