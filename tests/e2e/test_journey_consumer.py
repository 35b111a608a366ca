"""Consumer journeys in a real browser: registration by the last heating or hot-water payment or by the meter,
the refusals and the lockout, a meter reading inside the open window, paying through the demo provider.

One public server over its own copy of the demo database, the business date pinned inside the November 2026
window; every journey registers its own login (and the lockout uses an account no other journey touches).
A second server, pinned a week before that window, shows the closed form."""

from __future__ import annotations

import pytest

from demo.generator import NEW_ACCOUNT, NEW_ACCOUNT_METER, SEED_ACCOUNT, SEED_LAST_HOT_WATER_PAYMENT, SEED_METER
from tests.e2e.conftest import WINDOW_CLOSED, WINDOW_OPEN
from tests.e2e.harness import (
    DESKTOP,
    assert_no_exception,
    click_button,
    comma,
    consumer_login_click,
    copy_database,
    demo_consumer,
    expect,
    expect_text,
    fill,
    go_to,
    lockout_account,
    main_text,
    open_app,
    open_registration,
    pay_debt_and_fail_once,
    register,
    running,
    screenshot,
    submit_reading_and_relogin,
    submit_registration,
)

REFUSED = "Не вдалося підтвердити особовий рахунок"


@pytest.fixture(scope="module")
def database(demo_database, tmp_path_factory):
    return copy_database(demo_database, tmp_path_factory.mktemp("consumer"), "consumer.sqlite3")


@pytest.fixture(scope="module")
def public(database):
    with running("public_app.py", database, WINDOW_OPEN) as server:
        yield server


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=DESKTOP, locale="uk-UA")
    yield context.new_page()
    context.close()


def test_register_by_heating_payment_see_discount_submit_reading_log_out_and_in(page, public, database):
    register(page, public.url, SEED_ACCOUNT, "olena@example.com", amount="1866,66")
    text = main_text(page)
    assert "вул. Гулака-Артемовського, 20, кв. 1" in text
    assert "2 222,22 ₴ − знижка 16 % = 1 866,66 ₴" in text
    assert "Останній платіж: 1 866,66 ₴, 02.11.2026" in text

    submit_reading_and_relogin(page, public.url, database, "olena@example.com")
    screenshot(page, "journey-1-reading-after-relogin")


def test_register_by_hot_water_payment(page, public):
    register(page, public.url, SEED_ACCOUNT, "+380671110002", amount=comma(SEED_LAST_HOT_WATER_PAYMENT))
    assert "Останній платіж: 87,45 ₴" in main_text(page)
    screenshot(page, "journey-2-registered-by-hot-water")


def test_summed_payments_are_refused_and_five_failures_lock_even_the_right_amount(page, public, database):
    number, heating, hot_water = lockout_account(database)
    open_registration(page, public.url)
    summed = comma(heating + hot_water)
    submit_registration(page, number, amount=summed, login="+380671110003")
    expect_text(page, REFUSED)
    for wrong in ("1,00", "2,00", "3,00", "4,00"):  # five wrong attempts in all
        # A typo in between is answered with its own message (and is not counted), so each refusal on screen
        # is the answer to the attempt just made, not the one before.
        fill(page, "Сума останнього платежу, ₴", "сто")
        click_button(page, "Зареєструватися")
        expect_text(page, "Суму введіть цифрами")
        fill(page, "Сума останнього платежу, ₴", wrong)
        click_button(page, "Зареєструватися")
        expect_text(page, REFUSED)
    fill(page, "Сума останнього платежу, ₴", comma(heating))  # the right amount, now too late
    click_button(page, "Зареєструватися")
    expect_text(page, "Забагато невдалих спроб. Спробуйте знову через 15 хв.")
    text = main_text(page)
    assert REFUSED not in text and "Вітаємо у кабінеті" not in text
    assert_no_exception(page)
    screenshot(page, "journey-2-locked")


def test_register_by_meter_only_without_payments(page, public):
    open_registration(page, public.url)
    submit_registration(page, SEED_ACCOUNT, meter=SEED_METER, login="+380671110004")
    expect_text(page, "За цим рахунком уже були платежі, тому реєстрація за номером лічильника недоступна.")
    assert "Вітаємо у кабінеті" not in main_text(page)

    page.context.clear_cookies()
    register(page, public.url, NEW_ACCOUNT, "+380671110005", meter=NEW_ACCOUNT_METER)
    text = main_text(page)
    assert "вул. Гулака-Артемовського, 20, кв. 17" in text
    assert "Платежів ще не було." in text
    go_to(page, "Показання", "Показання лічильників")
    expect_text(page, f"Лічильник № {NEW_ACCOUNT_METER}")
    screenshot(page, "journey-2-registered-by-meter")


def test_pay_the_debt_with_the_demo_provider_a_failed_payment_stays_unpaid(page, public):
    register(page, public.url, SEED_ACCOUNT, "pays@example.com", amount="1 866,66")
    pay_debt_and_fail_once(page, shot="journey-3-paid")


def test_outside_the_window_the_form_says_when_the_next_one_opens(browser, demo_database, tmp_path_factory, page):
    database = copy_database(demo_database, tmp_path_factory.mktemp("closed"), "closed.sqlite3")
    login, _number, password = demo_consumer(database)
    with running("public_app.py", database, WINDOW_CLOSED) as server:
        open_app(page, server.url + "/")
        fill(page, "Телефон або e-mail", login)
        fill(page, "Пароль", password)
        consumer_login_click(page)
        expect_text(page, "Особовий рахунок")
        go_to(page, "Показання", "Показання лічильників")
        expect_text(page, "Зараз показання не приймаються.")
        assert "Наступний період подачі: 25.11.2026 — 03.12.2026" in main_text(page)
        expect(page.get_by_label("Нове показання, м³")).to_have_count(0)
        expect(page.get_by_role("button", name="Надіслати показання")).to_have_count(0)
        screenshot(page, "journey-window-closed")
