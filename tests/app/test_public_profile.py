"""Profile: password change and language; adding a second flat and switching between accounts."""

import pytest

from tests.app.conftest import open_app
from tests.app.public_support import (
    NEW,
    OTHER,
    PASSWORD,
    build,
    click,
    errors,
    fill,
    log_in,
    logged_in_app,
    registered,
    shown,
)


@pytest.fixture
def cabinet(app_world):
    cabinet = build(app_world)
    registered(app_world)
    return cabinet


def profile(world):
    return logged_in_app(world).switch_page("pages/public/profile.py").run()


def change(at, current, new, repeated):
    fill(
        at, **{"Поточний пароль": current, "Новий пароль (щонайменше 8 символів)": new, "Новий пароль ще раз": repeated}
    )
    return click(at, "Змінити пароль")


def test_profile_shows_the_login_and_its_accounts(cabinet):
    text = shown(profile(cabinet.world))
    assert "Логін: olena@example.com" in text
    assert "1120200001000 — вул. Гулака-Артемовського, 20, кв. 1" in text


@pytest.mark.parametrize(
    ("current", "new", "repeated", "message"),
    [
        ("wrong-password-9", "new-secret-pass-1", "new-secret-pass-1", "Поточний пароль невірний"),
        (PASSWORD, "new-secret-pass-1", "new-secret-pass-2", "не збігаються"),
        (PASSWORD, "qwerty123", "qwerty123", "надто поширений"),
    ],
)
def test_password_change_refusals(cabinet, current, new, repeated, message):
    at = change(profile(cabinet.world), current, new, repeated)
    assert message in errors(at)[0]


def test_password_change_then_log_in_with_the_new_one(cabinet):
    at = change(profile(cabinet.world), PASSWORD, "new-secret-pass-1", "new-secret-pass-1")
    assert "Пароль змінено." in shown(at)
    assert errors(log_in(open_app("public_app.py"), password=PASSWORD))
    assert log_in(open_app("public_app.py"), password="new-secret-pass-1").title[0].value == "Мій рахунок"


def test_a_new_password_signs_out_the_other_tabs_and_devices_but_not_this_one(cabinet):
    elsewhere = logged_in_app(cabinet.world)  # another device, signed in before the change
    assert elsewhere.title[0].value == "Мій рахунок"
    at = change(profile(cabinet.world), PASSWORD, "new-secret-pass-1", "new-secret-pass-1")
    assert "Пароль змінено." in shown(at)
    at.switch_page("pages/public/account.py").run()
    assert at.title[0].value == "Мій рахунок"  # the tab that changed it stays signed in
    elsewhere.switch_page("pages/public/readings.py").run()
    assert elsewhere.title[0].value == "Вхід до кабінету"


def test_language_saved_in_the_profile(cabinet):
    at = profile(cabinet.world)
    at.radio[0].set_value("en")
    at = click(at, "Зберегти мову")
    assert at.title[0].value == "Profile"
    assert "The language has been saved." in shown(at)
    assert log_in(open_app("public_app.py")).title[0].value == "My account"


def add(at, account, *, amount=None, meter=None):
    at.switch_page("pages/public/add_account.py").run()
    if meter is not None:
        at.radio[0].set_value("meter").run()
        fill(at, **{"Номер особового рахунку": account, "Номер лічильника гарячої води": meter})
    else:
        fill(at, **{"Номер особового рахунку": account, "Сума останнього платежу, ₴": amount})
    return click(at, "Додати рахунок")


def test_a_second_flat_is_added_and_the_switcher_chooses_between_them(cabinet):
    at = add(logged_in_app(cabinet.world), NEW, meter="2611017")
    assert not errors(at)
    assert "Рахунок 1120200001017 додано." in shown(at)
    assert at.title[0].value == "Мій рахунок"
    assert "вул. Гулака-Артемовського, 20, кв. 17" in shown(at)
    at.switch_page("pages/public/account.py").run()  # where the browser now is
    switcher = at.selectbox(key="account_switch")
    assert len(switcher.options) == 2
    switcher.set_value(cabinet.seed).run()
    assert "Особовий рахунок 1120200001000" in shown(at)
    at.switch_page("pages/public/readings.py").run()
    assert "Лічильник № 0812345" in shown(at) and "2611017" not in shown(at)


def test_adding_uses_the_same_verification_and_throttle(cabinet):
    at = logged_in_app(cabinet.world)
    at = add(at, OTHER, amount="1,00")
    assert "Не вдалося підтвердити особовий рахунок" in errors(at)[0]
    at = add(at, "1120200001000", amount="1866,66")
    assert "уже додано" in errors(at)[0]
    for _ in range(4):
        at = add(at, OTHER, amount="2,00")
    at = add(at, OTHER, amount="999,99")
    assert "Забагато невдалих спроб" in errors(at)[0]


def test_a_reload_shows_the_flat_the_address_names(cabinet):
    """The tab's memory of the chosen flat is gone after a reload; the address keeps its place (never its number)."""
    at = add(logged_in_app(cabinet.world), NEW, meter="2611017")
    at.switch_page("pages/public/readings.py").run()
    assert "Лічильник № 2611017" in shown(at)
    assert at.query_params["flat"] in ("2", ["2"]) and NEW not in str(at.query_params)
    reloaded = logged_in_app(cabinet.world)  # a new session: nothing chosen in it yet
    reloaded.query_params["flat"] = "2"
    reloaded.switch_page("pages/public/readings.py").run()
    assert "Лічильник № 2611017" in shown(reloaded) and "0812345" not in shown(reloaded)
    reloaded.query_params["flat"] = "7"  # no such place (a flat removed since): the first one
    reloaded.switch_page("pages/public/account.py").run()
    assert "Особовий рахунок 1120200001000" in shown(reloaded)
