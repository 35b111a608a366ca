"""Registration screen (DESIGN section 2, rules 1-3; section 4 throttling)."""

import pytest

from tests.app.conftest import open_app
from tests.app.public_support import NEW, OTHER, SEED, build, errors, register_via_ui, shown

GENERIC = "Не вдалося підтвердити особовий рахунок"


@pytest.fixture
def cabinet(app_world):
    return build(app_world)


@pytest.mark.parametrize("amount", ["1866,66", "1866.66", "1 866,66", "412,37"])
def test_registers_with_the_last_heating_or_hot_water_payment(cabinet, amount):
    at = register_via_ui(open_app("public_app.py"), amount=amount)
    assert not errors(at)
    assert at.title[0].value == "Мій рахунок"
    assert "Реєстрацію завершено" in shown(at)
    assert SEED in shown(at)


def test_the_two_payments_summed_are_refused_without_saying_which_field(cabinet):
    at = register_via_ui(open_app("public_app.py"), amount="2279,03")  # 1866,66 + 412,37
    assert errors(at) and GENERIC in errors(at)[0]
    assert at.title[0].value == "Реєстрація"


def test_an_older_payment_and_an_unknown_account_get_the_same_message(cabinet):
    older = register_via_ui(open_app("public_app.py"), amount="1500,00")
    unknown = register_via_ui(open_app("public_app.py"), account="1120200009999", amount="1866,66")
    assert errors(older) == errors(unknown)
    assert GENERIC in errors(older)[0]


def test_account_number_with_spaces_is_accepted_and_letters_are_explained(cabinet):
    at = register_via_ui(open_app("public_app.py"), account="112 0200 001 000")
    assert at.title[0].value == "Мій рахунок"
    bad = register_via_ui(open_app("public_app.py"), account="11202000O1000", login="x@example.com")
    assert "13 цифр" in errors(bad)[0]


def test_meter_number_registers_an_account_without_payments(cabinet):
    at = register_via_ui(open_app("public_app.py"), account=NEW, meter="2611017", login="+380671234567")
    assert not errors(at)
    assert NEW in shown(at)


def test_meter_number_for_an_account_with_payments_says_to_use_the_last_payment(cabinet):
    at = register_via_ui(open_app("public_app.py"), account=SEED, meter="0812345")
    assert "уже були платежі" in errors(at)[0]
    assert "суму останнього платежу" in errors(at)[0]


def test_login_taken(cabinet):
    at = register_via_ui(open_app("public_app.py"), account=SEED, login="stranger@example.com")
    assert "уже зареєстровано" in errors(at)[0]


@pytest.mark.parametrize(
    ("password", "repeated", "message"),
    [
        ("short1", "short1", "щонайменше 8"),
        ("password", "password", "надто поширений"),
        ("teplo-kvartyra-1", "teplo-kvartyra-2", "не збігаються"),
    ],
)
def test_weak_or_mismatched_passwords_get_clear_messages(cabinet, password, repeated, message):
    at = register_via_ui(open_app("public_app.py"), password=password, repeated=repeated)
    assert message in errors(at)[0]
    assert at.title[0].value == "Реєстрація"


def test_bad_login_is_explained(cabinet):
    at = register_via_ui(open_app("public_app.py"), login="olena")
    assert "номер телефону" in errors(at)[0]


def test_failures_are_throttled_in_the_database_even_for_the_right_amount(cabinet, app_sessions):
    at = open_app("public_app.py")
    for _ in range(5):
        at = register_via_ui(at, amount="1,00")
        assert GENERIC in errors(at)[0]
    at = register_via_ui(at, amount="1866,66")
    assert "Забагато невдалих спроб" in errors(at)[0]
    # A new browser session (another tab, another replica) sees the same counter.
    again = register_via_ui(open_app("public_app.py"), amount="1866,66")
    assert "Забагато невдалих спроб" in errors(again)[0]


def test_help_text_says_where_the_number_and_the_payment_are(cabinet):
    at = open_app("public_app.py")
    at.switch_page("pages/public/register.py").run()
    help_text = shown(at)
    assert "в кінці квитанції" in help_text
    assert "14 лютого" in help_text
    assert "додавати платежі не потрібно" in help_text


def test_english_switch_before_login(cabinet):
    at = open_app("public_app.py")
    at.segmented_control[0].set_value("en").run()
    at.switch_page("pages/public/register.py").run()
    assert at.title[0].value == "Registration"
    at.text_input[0].input("123")
    at.text_input[1].input("1866,66")
    at.text_input[2].input("olena@example.com")
    at.text_input[3].input("teplo-kvartyra-1")
    at.text_input[4].input("teplo-kvartyra-1")
    at.button[0].click().run()
    assert "13 digits" in errors(at)[0]
    assert OTHER not in shown(at)


@pytest.mark.parametrize(
    "field, typed", [("amount", "١٨٦٦,٦٦"), ("amount", "１８６６,６６"), ("account", "１１２０２０００１０００")]
)
def test_digits_of_other_scripts_are_refused_with_the_same_message_as_in_imports(cabinet, field, typed):
    at = register_via_ui(open_app("public_app.py"), **{field: typed})
    assert at.title[0].value == "Реєстрація"
    assert errors(at) == ["Використовуйте звичайні цифри 0–9: тут є цифри іншого письма (наприклад ٣ чи ３)."]
