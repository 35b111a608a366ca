"""Server-side consumer sessions: a one-time ticket, a token that survives reloads, logout and expiry."""

import datetime as dt

from core import consumer_sessions
from core.config import SESSION_IDLE_MINUTES
from tests.conftest import kyiv

NOW = kyiv(2020, 3, 2, 10)


def test_ticket_is_exchanged_once_for_a_token(seed_world, sessions):
    from core import consumers

    login_id = consumers.register(sessions, account_number="1120200001000", login="olena@example.com",
                                  password="тепла-зима-2020", password_repeated="тепла-зима-2020",
                                  last_payment="1866,66", now=NOW)
    _token, ticket = consumer_sessions.start(sessions, login_id, now=NOW)
    token = consumer_sessions.exchange_ticket(sessions, ticket, now=NOW)
    assert token and consumer_sessions.exchange_ticket(sessions, ticket, now=NOW) is None
    assert consumer_sessions.resolve(sessions, token, now=NOW + dt.timedelta(hours=1)) == login_id
    assert consumer_sessions.resolve(sessions, "forged", now=NOW) is None
    consumer_sessions.end(sessions, token, now=NOW)
    assert consumer_sessions.resolve(sessions, token, now=NOW) is None


def test_expired_ticket_and_idle_session(seed_world, sessions):
    from core import consumers

    login_id = consumers.register(sessions, account_number="1120200001000", login="olena@example.com",
                                  password="тепла-зима-2020", password_repeated="тепла-зима-2020",
                                  last_payment="1866,66", now=NOW)
    _token, ticket = consumer_sessions.start(sessions, login_id, now=NOW)
    assert consumer_sessions.exchange_ticket(sessions, ticket, now=NOW + dt.timedelta(minutes=3)) is None
    _token, ticket = consumer_sessions.start(sessions, login_id, now=NOW)
    token = consumer_sessions.exchange_ticket(sessions, ticket, now=NOW)
    idle = dt.timedelta(minutes=SESSION_IDLE_MINUTES + 1)
    assert consumer_sessions.resolve(sessions, token, now=NOW + idle) is None
