"""The consumer journeys at phone width (390×844): registering, the reading, logging out and in, paying — every
step without horizontal scrolling. Own server over its own copy of the demo database."""

from __future__ import annotations

import re
from itertools import pairwise

import pytest

from demo.generator import SEED_ACCOUNT
from tests.e2e.conftest import WINDOW_OPEN
from tests.e2e.harness import (
    PHONE,
    click_button,
    copy_database,
    expect,
    expect_text,
    fill,
    go_to,
    main_text,
    no_horizontal_scroll,
    open_app,
    pay_debt_and_fail_once,
    register,
    running,
    screenshot,
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
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="uk-UA")
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


def _table_fits(page, header: str) -> dict:
    """The history table with `header`: its width against the column it sits in, and whether every header cell
    is inside the screen (nothing to swipe sideways to)."""
    table = page.locator("table").filter(has=page.locator("th", has_text=header)).first
    expect(table).to_be_visible()
    table.scroll_into_view_if_needed()
    return table.evaluate("""t => {
        const box = t.getBoundingClientRect();
        const cells = Array.from(t.querySelectorAll("th, td"));
        return {width: box.width, container: t.parentElement.clientWidth, scroll: t.parentElement.scrollWidth,
                right: Math.max(...cells.map(c => c.getBoundingClientRect().right)), screen: window.innerWidth,
                headers: Array.from(t.querySelectorAll("th")).map(c => c.innerText),
                scopes: Array.from(t.querySelectorAll("th")).map(c => c.scope), rows: t.tBodies[0].rows.length};
    }""")


def test_account_history_reads_on_a_phone_without_a_sideways_swipe(phone, public):
    register(phone, public.url, SEED_ACCOUNT, "+380991110005", amount="1866,66")
    fits(phone)
    # The chart's month labels stand apart: the latest one, set against the edge, used to run into the one before.
    labels = phone.locator(".teplo-chart .x span").evaluate_all(
        "spans => spans.filter(s => s.offsetParent !== null)"
        ".map(s => { const r = s.getBoundingClientRect(); return [r.left, r.right, s.textContent]; })"
    )
    labels.sort()
    assert len(labels) >= 3, labels
    assert all(left[1] <= right[0] for left, right in pairwise(labels)), labels
    charges = _table_fits(phone, "До сплати")
    assert charges["headers"] == ["Місяць", "Послуга", "До сплати"] and set(charges["scopes"]) == {"col"}
    assert charges["rows"] > 0
    assert charges["width"] <= charges["container"] + 1 and charges["scroll"] <= charges["container"] + 1, charges
    assert charges["right"] <= charges["screen"], charges
    # The seed's charges carry a 16 % discount: the charge before it and the discount are on the row, not off-screen.
    text = main_text(phone)
    assert "нараховано" in text and "знижка 16 %" in text
    assert not phone.locator("[data-testid='stDataFrame']").count()  # no grid with its English toolbar
    screenshot(phone, "phone-account-history-charges")
    phone.get_by_role("tab", name="Платежі").click()
    payments = _table_fits(phone, "Сума, спосіб")
    assert payments["headers"] == ["Дата", "Послуга", "Сума, спосіб"] and payments["rows"] > 0
    assert payments["width"] <= payments["container"] + 1 and payments["right"] <= payments["screen"], payments
    fits(phone)
    screenshot(phone, "phone-account-history-payments")


def test_a_refused_second_flat_keeps_what_was_typed_for_the_next_try(phone, public):
    register(phone, public.url, SEED_ACCOUNT, "+380991110007", amount="1866,66")
    open_app(phone, public.url + "/add-account")
    fill(phone, "Номер особового рахунку", "1120200001017")
    fill(phone, "Сума останнього платежу, ₴", "1,00")
    click_button(phone, "Додати рахунок")
    expect_text(phone, "Не вдалося підтвердити особовий рахунок")
    # The form used to be cleared on every submit: the 13 digits had to be typed again to fix the amount.
    expect(phone.get_by_label("Номер особового рахунку", exact=True)).to_have_value("1120200001017")
    expect(phone.get_by_label("Сума останнього платежу, ₴", exact=True)).to_have_value("1,00")
    fits(phone)


def with_two_flats(phone, public, login: str) -> None:
    """A consumer of the seed flat who adds the second flat of its building by its meter (no payments there yet)."""
    register(phone, public.url, SEED_ACCOUNT, login, amount="1866,66")
    open_app(phone, public.url + "/add-account")
    phone.get_by_text("Номер лічильника (ще не було платежів)", exact=True).click()
    expect(phone.get_by_label("Номер лічильника гарячої води", exact=True)).to_be_visible()
    fill(phone, "Номер особового рахунку", "1120200001017")
    fill(phone, "Номер лічильника гарячої води", "2611017")
    click_button(phone, "Додати рахунок")
    expect_text(phone, "Рахунок 1120200001017 додано.")


def test_a_reload_keeps_the_chosen_flat(phone, public):
    with_two_flats(phone, public, "+380991110009")
    phone.get_by_role("link", name=re.compile("Показання$")).first.click()
    expect_text(phone, "Лічильник № 2611017")
    phone.reload()  # a new session: the flat comes from the address
    expect_text(phone, "Лічильник № 2611017")
    assert "1120200001017" not in phone.url and "flat=2" in phone.url
    fits(phone)


# How much of the closed switcher's text, up to the end of `flat` (not followed by another digit), the box shows:
# an <input> cuts its value at its right edge, so the flat number is whole only when that much text fits inside.
_FLAT_IN_VIEW = """(input, flat) => {
    const text = input.value, match = text.match(new RegExp(flat.replace(".", "\\\\.") + "(?!\\\\d)"));
    if (!match) return {text, shown: false};
    const style = getComputedStyle(input), measure = document.createElement("canvas").getContext("2d");
    measure.font = style.font;
    const needed = measure.measureText(text.slice(0, match.index + flat.length)).width;
    const room = input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    return {text, needed, room, shown: needed <= room};
}"""


def test_two_flats_of_one_building_are_told_apart_on_the_switcher_at_phone_width(phone, public):
    with_two_flats(phone, public, "+380991110011")
    switcher = phone.get_by_role("combobox", name="Особовий рахунок")
    # Both flats are at вул. Гулака-Артемовського, 20: the label used to end "…, 20, кв." on both, the number cut off.
    shown = switcher.evaluate(_FLAT_IN_VIEW, "кв. 17")
    assert shown["shown"], shown
    screenshot(phone, "phone-switcher-flat-17")
    switcher.click()
    phone.get_by_role("option", name=re.compile("1120200001000")).click()
    expect_text(phone, "Особовий рахунок 1120200001000")
    shown = switcher.evaluate(_FLAT_IN_VIEW, "кв. 1")
    assert shown["shown"], shown
    fits(phone)
    screenshot(phone, "phone-switcher-flat-1")


def test_the_reading_and_the_amount_open_the_number_keyboard_on_a_phone(phone, public):
    register(phone, public.url, SEED_ACCOUNT, "+380991110013", amount="1866,66")
    go_to(phone, "Показання", "Показання лічильників")
    reading = phone.get_by_label("Нове показання, м³", exact=True)
    expect(reading).to_have_attribute("inputmode", "decimal")
    go_to(phone, "Оплата", "Без комісії.")
    amount = phone.get_by_label("Сума, ₴", exact=True)
    expect(amount).to_have_attribute("inputmode", "decimal")
    phone.get_by_text(re.compile(r"^Опалення — ")).click()  # the other service's field is a new one: it too
    expect(phone.get_by_label("Сума, ₴", exact=True)).to_have_attribute("inputmode", "decimal")
    screenshot(phone, "phone-number-keyboard-fields")
