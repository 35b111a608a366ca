"""The forgotten-password screen: reached from the login form, the registration proof, one message for failures."""

import pytest
from sqlalchemy import select

from core import consumer_sessions
from db.models import ConsumerSession
from tests.app.conftest import open_app
from tests.app.public_support import OTHER, PASSWORD, SEED, build, click, errors, fill, log_in, registered, shown

NEW_PASSWORD = "nova-kvartyra-2026"
FAILED = "Не вдалося підтвердити рахунок і логін"


@pytest.fixture
def cabinet(app_world):
    cabinet = build(app_world)
    registered(app_world)
    return cabinet


def reset_via_ui(*, account=SEED, amount="1866,66", login="olena@example.com", password=NEW_PASSWORD, repeated=None):
    at = open_app("public_app.py")
    at.switch_page("pages/public/reset_password.py").run()
    fill(
        at,
        **{
            "Номер особового рахунку": account,
            "Сума останнього платежу, ₴": amount,
            "Ваш логін: телефон або e-mail": login,
            "Новий пароль (щонайменше 8 символів)": password,
            "Новий пароль ще раз": password if repeated is None else repeated,
        },
    )
    return click(at, "Змінити пароль")


def test_the_login_form_offers_the_reset(cabinet):
    at = open_app("public_app.py")
    assert "Забули пароль?" in [link.label for link in at.get("page_link")]


def test_reset_changes_the_password_and_logs_out_every_device(cabinet, app_world, app_sessions):
    login_id = registered_id(app_sessions)
    consumer_sessions.start(app_sessions, login_id, browser="another-device")
    at = reset_via_ui()
    assert not errors(at)
    assert "Пароль змінено. Увійдіть з новим паролем." in shown(at)
    with app_sessions() as s:
        assert all(row.revoked_at is not None for row in s.scalars(select(ConsumerSession)))
    assert errors(log_in(open_app("public_app.py"), password=PASSWORD)) == ["Невірний логін або пароль."]
    assert log_in(open_app("public_app.py"), password=NEW_PASSWORD).title[0].value == "Мій рахунок"


def registered_id(app_sessions) -> int:
    from db.models import ConsumerLogin

    with app_sessions() as s:
        return s.scalar(select(ConsumerLogin.id).where(ConsumerLogin.login == "olena@example.com"))


def test_unknown_login_wrong_amount_and_a_strangers_account_read_alike(cabinet):
    unknown = reset_via_ui(login="nobody@example.com")
    wrong = reset_via_ui(amount="1500,00")
    stranger = reset_via_ui(account=OTHER, amount="999,99")  # proven, but not Olena's account
    assert errors(unknown) == errors(wrong) == errors(stranger)
    assert errors(unknown)[0].startswith(FAILED)
    assert log_in(open_app("public_app.py"), password=PASSWORD).title[0].value == "Мій рахунок"


def test_bad_input_gets_a_clear_message_not_a_traceback(cabinet):
    mismatch = reset_via_ui(repeated="insha-kvartyra-2026")
    assert errors(mismatch) == ["Паролі не збігаються."]
    letters = reset_via_ui(account="11202000O1000")
    assert "13 цифр" in errors(letters)[0]
    assert not any(mismatch.exception) and not any(letters.exception)


def test_the_screen_speaks_english(cabinet):
    at = open_app("public_app.py")
    at.session_state["lang"] = "en"
    at.switch_page("pages/public/reset_password.py").run()
    assert at.title[0].value == "Reset the password"
    assert "Your login: phone or e-mail" in [w.label for w in at.text_input]
