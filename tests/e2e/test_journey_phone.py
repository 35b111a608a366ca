"""The consumer journeys at phone width (390×844): registering, the reading, logging out and in, paying — every
step without horizontal scrolling. Own server over its own copy of the demo database."""

from __future__ import annotations

import pytest

from demo.generator import SEED_ACCOUNT
from tests.e2e.conftest import WINDOW_OPEN
from tests.e2e.harness import (
    PHONE, copy_database, no_horizontal_scroll, pay_debt_and_fail_once, register, running, screenshot,
    submit_reading_and_relogin,
)


@pytest.fixture(scope="module")
def database(demo_database, tmp_path_factory):
    return copy_database(demo_database, tmp_path_factory.mktemp("phone"), "phone.sqlite3")


@pytest.fixture(scope="module")
def public(database):
    with running("public_app.py", database, WINDOW_OPEN) as server:
        yield server


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
                                  locale="uk-UA")
    yield context.new_page()
    context.close()


def fits(page) -> None:
    assert no_horizontal_scroll(page), f"horizontal scrolling at {page.url}"


def test_register_and_submit_a_reading_on_a_phone(phone, public, database):
    register(phone, public.url, SEED_ACCOUNT, "+380991110001", amount="1866,66")
    fits(phone)
    submit_reading_and_relogin(phone, public.url, database, "+380991110001", check=fits)
    screenshot(phone, "phone-journey-1-readings")


def test_pay_the_debt_on_a_phone(phone, public):
    register(phone, public.url, SEED_ACCOUNT, "+380991110003", amount="1866,66")
    fits(phone)
    pay_debt_and_fail_once(phone, check=fits, shot="phone-journey-3-paid")
