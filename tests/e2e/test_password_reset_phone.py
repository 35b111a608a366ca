"""Forgotten password at phone width (390×844) in Chromium: from the login form, the registration proof and the
login, a new password; the device still logged in with the old one is logged out."""

from __future__ import annotations

import re

import pytest

from demo.generator import SEED_ACCOUNT
from tests.e2e.conftest import WINDOW_OPEN
from tests.e2e.harness import (
    PHONE,
    assert_no_exception,
    click_button,
    copy_database,
    expect_text,
    fill,
    log_in,
    no_horizontal_scroll,
    open_app,
    register,
    running,
    screenshot,
    wait_idle,
)

LOGIN = "+380991110077"
NEW_PASSWORD = "nova-kvartyra-2026"


@pytest.fixture(scope="module")
def public(demo_database, tmp_path_factory):
    database = copy_database(demo_database, tmp_path_factory.mktemp("reset"), "reset.sqlite3")
    with running("public_app.py", database, WINDOW_OPEN) as server:
        yield server


def phone_page(browser):
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="uk-UA")
    return context, context.new_page()


def test_forgotten_password_on_a_phone(browser, public):
    old_context, old_phone = phone_page(browser)
    new_context, phone = phone_page(browser)
    try:
        register(old_phone, public.url, SEED_ACCOUNT, LOGIN, amount="1866,66")  # still logged in there

        open_app(phone, public.url + "/")
        phone.get_by_role("link", name=re.compile("Забули пароль")).click()
        expect_text(phone, "Відновлення пароля")
        fill(phone, "Номер особового рахунку", SEED_ACCOUNT)
        fill(phone, "Сума останнього платежу, ₴", "1 000,00")
        fill(phone, "Ваш логін: телефон або e-mail", LOGIN)
        fill(phone, "Новий пароль (щонайменше 8 символів)", NEW_PASSWORD)
        fill(phone, "Новий пароль ще раз", NEW_PASSWORD)
        click_button(phone, "Змінити пароль")
        expect_text(phone, "Не вдалося підтвердити рахунок і логін")

        fill(phone, "Сума останнього платежу, ₴", "1866,66")
        click_button(phone, "Змінити пароль")
        expect_text(phone, "Пароль змінено. Увійдіть з новим паролем.")
        assert_no_exception(phone)
        assert no_horizontal_scroll(phone), "the reset form scrolls sideways at 390 px"
        screenshot(phone, "phone-password-reset")

        old_phone.reload()
        wait_idle(old_phone)
        expect_text(old_phone, "Вхід до кабінету")  # the other device's session has ended

        log_in(phone, public.url, LOGIN, NEW_PASSWORD)
    finally:
        old_context.close()
        new_context.close()
