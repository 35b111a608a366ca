"""Log in, log out, the language switch, the server-side session behind the cookie."""

import pytest
from sqlalchemy import select

from core import consumer_sessions
from db.models import ConsumerSession
from tests.app.conftest import open_app
from tests.app.public_support import PASSWORD, build, click, errors, log_in, registered, shown


@pytest.fixture(autouse=True)
def browser_cookie(monkeypatch):
    """The browser's own random cookie, which AppTest cannot send: a login ticket is issued only for it."""
    from ui import session_cookie

    monkeypatch.setattr(session_cookie, "browser", lambda: "this-browser")


@pytest.fixture
def cabinet(app_world):
    cabinet = build(app_world)
    registered(app_world)
    return cabinet


def test_login_opens_my_account_and_starts_a_session_for_the_cookie(cabinet, app_sessions):
    at = log_in(open_app("public_app.py"), "Olena@Example.com")
    assert not errors(at)
    assert at.title[0].value == "Мій рахунок"
    assert [link.label for link in at.get("page_link")][:4] == ["Мій рахунок", "Показання", "Оплата", "Профіль"]
    # The browser is sent to the cookie route with a one-time ticket; the session row waits for it.
    redirect = [h for h in at.get("html") if "/session/start?ticket=" in h.proto.body]
    assert redirect
    with app_sessions() as s:
        row = s.scalars(select(ConsumerSession)).one()
    assert row.revoked_at is None and row.ticket_hash is not None
    ticket = redirect[0].proto.body.split("ticket=", 1)[1].split("&", 1)[0]
    assert consumer_sessions.exchange_ticket(app_sessions, ticket, browser="another-browser") is None


def test_wrong_password_and_unknown_login_get_the_same_message(cabinet):
    wrong = log_in(open_app("public_app.py"), "olena@example.com", "not-the-password")
    unknown = log_in(open_app("public_app.py"), "nobody@example.com", PASSWORD)
    assert errors(wrong) == errors(unknown) == ["Невірний логін або пароль."]
    assert wrong.title[0].value == "Вхід до кабінету"


def test_login_failures_are_throttled(cabinet):
    at = open_app("public_app.py")
    for _ in range(5):
        at = log_in(at, "olena@example.com", "not-the-password")
    at = log_in(at, "olena@example.com", PASSWORD)
    assert "Забагато невдалих спроб" in errors(at)[0]
    assert at.title[0].value == "Вхід до кабінету"


def test_logout_revokes_the_session_and_shows_the_login_page(cabinet, app_sessions):
    at = log_in(open_app("public_app.py"))
    at.switch_page("pages/public/profile.py").run()
    at = click(at, "Вийти")
    assert at.title[0].value == "Вхід до кабінету"
    assert any("/session/logout" in h.proto.body for h in at.get("html"))
    with app_sessions() as s:
        assert all(row.revoked_at is not None for row in s.scalars(select(ConsumerSession)))
    # Pages of a logged-in consumer now lead to the login form.
    at.switch_page("pages/public/account.py").run()
    assert at.title[0].value == "Вхід до кабінету"


def test_session_token_resolves_until_logout(cabinet, app_sessions):
    """The cookie route trades the ticket for the token that the app then reads from the cookie."""
    login_id = registered(cabinet.world, "second@example.com")
    _token, ticket = consumer_sessions.start(app_sessions, login_id, browser="this-browser")
    token = consumer_sessions.exchange_ticket(app_sessions, ticket, browser="this-browser")
    assert consumer_sessions.exchange_ticket(app_sessions, ticket, browser="this-browser") is None  # one-time
    assert consumer_sessions.resolve(app_sessions, token) == login_id
    consumer_sessions.end(app_sessions, token)
    assert consumer_sessions.resolve(app_sessions, token) is None


def test_language_switch_before_login_and_english_messages(cabinet):
    at = open_app("public_app.py")
    at.segmented_control[0].set_value("en").run()
    assert at.title[0].value == "Log in to the cabinet"
    at = log_in_en = at
    at.text_input[0].input("olena@example.com")
    at.text_input[1].input("wrong-password-1")
    at.button[0].click().run()
    assert errors(log_in_en) == ["Wrong login or password."]


def test_a_logged_in_consumer_keeps_the_chosen_language(cabinet):
    at = log_in(open_app("public_app.py"))
    at.segmented_control[0].set_value("en").run()
    assert at.title[0].value == "My account"
    assert "Heating" in shown(at)
    fresh = log_in(open_app("public_app.py"))
    assert fresh.title[0].value == "My account"  # saved with the login


def test_logging_in_from_a_cabinet_link_returns_there(cabinet):
    at = open_app("public_app.py")
    at.switch_page("pages/public/readings.py").run()
    assert at.title[0].value == "Вхід до кабінету"
    at.switch_page("pages/public/login.py").run()  # where the browser now is
    at = log_in(at)
    assert at.title[0].value == "Показання лічильників"
