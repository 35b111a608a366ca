"""Security in a real browser. On a freshly started public server, before any other page load, no staff page
shows staff content; a logged-in consumer cannot reach another account's data by changing the URL."""

import re
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import select

from db.engine import make_engine
from db.models import Account, Meter
from demo.generator import NEW_ACCOUNT, NEW_ACCOUNT_METER
from tests.e2e.conftest import WINDOW_OPEN
from tests.e2e.harness import (
    DESKTOP,
    EXCEPTION,
    TIMEOUT,
    click_button,
    consumer_login_click,
    copy_database,
    demo_consumer,
    expect,
    expect_text,
    fill,
    go_to,
    normal,
    open_app,
    register,
    running,
    screenshot,
    wait_idle,
)
from ui.staff_access import PAGES as STAFF_PAGES
from web.not_found import PUBLIC_PAGES

# Words only the staff dashboard shows (its login screen and its page headings).
STAFF_WORDS = [
    "Панель працівника",
    "Внутрішній застосунок",
    "Вхід для працівників",
    "Огляд",
    "Надходження оплат",
    "Донарахування",
    "Дослідження даних",
    "Пошук рахунку",
    "Імпорт файлів",
    "Конфлікти імпорту",
    "Періоди подачі",
    "Користувачі",
    "Показання лічильників гарячої води",
    "Звірка",
]
# The url paths staff_dashboard.py serves its pages under (st.Page infers them from the file names).
STAFF_PATHS = [Path(page.path).stem for page in STAFF_PAGES]


@pytest.fixture(scope="module")
def database(demo_database, tmp_path_factory):
    return copy_database(demo_database, tmp_path_factory.mktemp("sec"), "security.sqlite3")


@pytest.fixture(scope="module")
def fresh_public(database):
    with running("public_app.py", database, WINDOW_OPEN) as server:
        yield server


def test_staff_urls_on_the_public_server_show_no_staff_content(browser, fresh_public):
    assert {"overview", "imports", "users", "additional_charges", "lookup"} <= set(STAFF_PATHS)
    page = browser.new_page()
    paths = [f"/{path}" for path in STAFF_PATHS] + [
        "/staff",
        "/login?page=users",
        "/pages/staff/overview",
        "/pages/staff/imports.py",
        "/staff_dashboard",
        "/staff/users",
    ]
    for path in paths:
        if path.lstrip("/").split("?")[0] in PUBLIC_PAGES:  # e.g. /readings, a page of both apps
            open_app(page, fresh_public.url + path)
            expect(page.get_by_text("Вхід до кабінету")).to_be_visible()  # the consumer login, nothing else
        else:
            # Not a page of the cabinet, nested or not: the cabinet's own "page not found", never a blank page.
            response = page.goto(fresh_public.url + path)
            assert response.status == 404, path
            expect(page.get_by_role("heading", name="Сторінку не знайдено")).to_be_visible()
        text = normal(page.inner_text("body"))
        assert not [word for word in STAFF_WORDS if word in text], path
    screenshot(page, "security-staff-urls-on-public")
    page.close()


def test_health_route(fresh_public):
    with urllib.request.urlopen(fresh_public.url + "/health", timeout=TIMEOUT) as response:
        assert response.status == 200 and b"ok" in response.read()


def test_the_first_login_after_a_start_shows_the_account_without_an_error(browser, fresh_public, database):
    """The first account page after the server started, while the browser fetches its cookie beside it: no
    traceback from modules imported half-way."""
    login, number, password = demo_consumer(database)
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    open_app(page, fresh_public.url + "/")
    fill(page, "Телефон або e-mail", login)
    fill(page, "Пароль", password)
    consumer_login_click(page)
    expect_text(page, f"Особовий рахунок {number}")
    expect(page.get_by_text("Нараховано і сплачено по місяцях")).to_be_visible()
    wait_idle(page)
    errors = page.locator(EXCEPTION)
    assert errors.count() == 0, normal(errors.first.inner_text())
    context.close()


def test_a_consumer_cannot_open_another_accounts_data_through_the_url(browser, fresh_public, database):
    engine = make_engine(database)
    owner_login, owner_number, owner_password = demo_consumer(database)
    with engine.connect() as connection:
        owner_id, owner_address = connection.execute(
            select(Account.id, Account.address).where(Account.number == owner_number)
        ).one()
        owner_meter = connection.scalar(select(Meter.serial).join(Account).where(Account.number == owner_number))
    engine.dispose()

    owner = browser.new_context(viewport=DESKTOP)
    page = owner.new_page()
    open_app(page, fresh_public.url + "/")
    fill(page, "Телефон або e-mail", owner_login)
    fill(page, "Пароль", owner_password)
    consumer_login_click(page)
    expect_text(page, f"Особовий рахунок {owner_number}")
    go_to(page, "Оплата", "Без комісії.")
    fill(page, "Сума, ₴", "100,00")
    click_button(page, "Перейти до оплати")
    expect_text(page, "Платіж підготовлено")
    order = re.search(r"Номер платежу (\S+)\.", normal(page.inner_text("body"))).group(1)
    owner.close()

    stranger = browser.new_context(viewport=DESKTOP)
    page = stranger.new_page()
    register(page, fresh_public.url, NEW_ACCOUNT, "+380631234017", meter=NEW_ACCOUNT_METER)
    foreign = [owner_number, owner_address] + ([owner_meter] if owner_meter else [])
    attempts = [
        f"/?account={owner_id}",
        f"/account?account_id={owner_id}",
        f"/?number={owner_number}",
        f"/readings?meter={owner_meter}",
        f"/pay?account={owner_number}",
        f"/profile?login={owner_login}",
        f"/lookup?query={owner_number}",
        f"/pay-result?order={order}",
        f"/pay-demo?order={order}",
    ]
    for path in attempts:
        if path[1:].split("?")[0] not in ("", *PUBLIC_PAGES):  # not a cabinet page: the not-found page, no data
            assert page.goto(fresh_public.url + path).status == 404, path
            assert not [value for value in foreign if value in normal(page.inner_text("body"))], path
            continue
        open_app(page, fresh_public.url + path)
        if path.startswith(("/?", "/account")):  # the root page sends "/" on to My account: wait until it is drawn
            expect_text(page, f"Особовий рахунок {NEW_ACCOUNT}")
        text = normal(page.inner_text("body"))
        leaked = [value for value in foreign if value in text]
        assert not leaked, (path, leaked)
        assert "Вхід до кабінету" not in text, path  # still logged in as themselves
        if path.startswith(("/?", "/account")):
            assert f"Особовий рахунок {NEW_ACCOUNT}" in text, path
        if path.startswith(("/pay-demo", "/pay-result")):
            assert "Платіж не знайдено" in text or "Немає доступу" in text, (path, text)
            expect(page.get_by_role("button", name="Сплатити (демо)")).to_have_count(0)
    screenshot(page, "security-foreign-order")
    stranger.close()
