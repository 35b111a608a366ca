"""Server-side login sessions on both databases: a one-time ticket bound to the browser that logged in, a token
that survives reloads, logout, the idle and the absolute lifetime, and revocation when the terms change
(a consumer's new password; a staff user's role, password or deactivation)."""

import datetime as dt

import pytest
from sqlalchemy import select

from core import config, consumer_sessions, staff, staff_sessions
from core.consumers import change_password
from core.login_sessions import digest
from tests.conftest import kyiv, register_consumer

NOW = kyiv(2020, 3, 2, 10).astimezone(dt.UTC)  # durations below are elapsed time (a DST change is inside)
PASSWORD = "тепла-зима-2020"
BROWSER = "the-consumers-own-browser"


@pytest.fixture
def login_id(seed_world, sessions):
    return register_consumer(sessions, "olena@example.com", password=PASSWORD, now=NOW)


def signed_in(sessions, login_id, at=NOW, browser=BROWSER) -> str:
    """A session as the browser holds it after the cookie route: the token from the ticket exchange."""
    _token, ticket = consumer_sessions.start(sessions, login_id, browser=browser, now=at)
    token = consumer_sessions.exchange_ticket(sessions, ticket, browser=browser, now=at)
    assert token is not None
    return token


def test_ticket_is_exchanged_once_for_a_token(login_id, sessions):
    _token, ticket = consumer_sessions.start(sessions, login_id, browser=BROWSER, now=NOW)
    token = consumer_sessions.exchange_ticket(sessions, ticket, browser=BROWSER, now=NOW)
    assert token and consumer_sessions.exchange_ticket(sessions, ticket, browser=BROWSER, now=NOW) is None
    assert consumer_sessions.resolve(sessions, token, now=NOW + dt.timedelta(hours=1)) == login_id
    assert consumer_sessions.resolve(sessions, "forged", now=NOW) is None
    consumer_sessions.end(sessions, token, now=NOW)
    assert consumer_sessions.resolve(sessions, token, now=NOW) is None


def test_a_ticket_logs_in_only_the_browser_that_asked_for_it(login_id, sessions):
    """Login CSRF: the attacker's own fresh ticket, opened in the victim's browser, logs nobody in — and is spent."""
    _token, ticket = consumer_sessions.start(sessions, login_id, browser="attackers-browser", now=NOW)
    assert consumer_sessions.exchange_ticket(sessions, ticket, browser="victims-browser", now=NOW) is None
    assert consumer_sessions.exchange_ticket(sessions, ticket, browser=None, now=NOW) is None
    assert consumer_sessions.exchange_ticket(sessions, ticket, browser="attackers-browser", now=NOW) is None
    # Without a browser cookie at login no ticket is issued at all: the login stays in its tab.
    token, ticket = consumer_sessions.start(sessions, login_id, browser=None, now=NOW)
    assert ticket is None and consumer_sessions.resolve(sessions, token, now=NOW) == login_id


def test_expired_ticket_and_idle_session(login_id, sessions):
    _token, ticket = consumer_sessions.start(sessions, login_id, browser=BROWSER, now=NOW)
    assert (
        consumer_sessions.exchange_ticket(sessions, ticket, browser=BROWSER, now=NOW + dt.timedelta(minutes=3)) is None
    )
    token = signed_in(sessions, login_id)
    idle = dt.timedelta(minutes=config.settings().session_idle_minutes + 1)
    assert consumer_sessions.resolve(sessions, token, now=NOW + idle) is None


def test_a_session_in_daily_use_still_ends_at_its_maximum_age(login_id, sessions):
    token = signed_in(sessions, login_id)
    day, limit = dt.timedelta(days=1), dt.timedelta(days=config.settings().session_max_days)
    moment = NOW
    while moment + day < NOW + limit:
        moment += day
        assert consumer_sessions.resolve(sessions, token, now=moment) == login_id  # used every day
    assert consumer_sessions.resolve(sessions, token, now=NOW + limit) is None
    assert consumer_sessions.resolve(sessions, token, now=NOW + limit - dt.timedelta(days=1)) is None  # ended for good


def test_a_new_password_ends_the_logins_other_sessions(login_id, sessions):
    here = signed_in(sessions, login_id)
    phone = signed_in(sessions, login_id, browser="phone")
    stolen = signed_in(sessions, login_id, browser="thief")
    change_password(
        sessions,
        login_id,
        PASSWORD,
        "нова-тепла-зима-2021",
        "нова-тепла-зима-2021",
        now=NOW + dt.timedelta(minutes=5),
        keep_session=here,
    )
    later = NOW + dt.timedelta(minutes=6)
    assert consumer_sessions.resolve(sessions, here, now=later) == login_id
    assert consumer_sessions.resolve(sessions, phone, now=later) is None
    assert consumer_sessions.resolve(sessions, stolen, now=later) is None


def test_a_wrong_current_password_ends_nothing(login_id, sessions):
    from core.errors import DomainError

    here, phone = signed_in(sessions, login_id), signed_in(sessions, login_id, browser="phone")
    with pytest.raises(DomainError):
        change_password(
            sessions,
            login_id,
            "not-the-password",
            "нова-тепла-зима-2021",
            "нова-тепла-зима-2021",
            now=NOW,
            keep_session=here,
        )
    assert consumer_sessions.resolve(sessions, phone, now=NOW) == login_id


# ------------------------------------------------------------------------------------------------------ staff

STAFF_PASSWORD = "staff-pass-2026"


def staff_signed_in(sessions, user_id, at=NOW, browser="desk") -> str:
    _token, ticket = staff_sessions.STORE.start(sessions, user_id, browser=browser, now=at)
    token = staff_sessions.STORE.exchange_ticket(sessions, ticket, browser=browser, now=at)
    assert token is not None
    return token


@pytest.fixture
def operator(sessions):
    return staff.create_staff_user(sessions, "operator1", STAFF_PASSWORD, "operator", now=NOW).id


def test_staff_session_idles_out_after_30_minutes_and_ends_after_12_hours(sessions, operator):
    assert config.settings().staff_session_idle_minutes == 30 and config.settings().staff_session_max_hours == 12
    token = staff_signed_in(sessions, operator)
    assert staff_sessions.STORE.resolve(sessions, token, now=NOW + dt.timedelta(minutes=29)) == operator
    assert staff_sessions.STORE.resolve(sessions, token, now=NOW + dt.timedelta(minutes=59)) is None

    busy = staff_signed_in(sessions, operator, at=NOW + dt.timedelta(hours=1))
    moment = NOW + dt.timedelta(hours=1)
    for _ in range(11 * 3):  # used every 20 minutes for 11 hours
        moment += dt.timedelta(minutes=20)
        assert staff_sessions.STORE.resolve(sessions, busy, now=moment) == operator
    assert staff_sessions.STORE.resolve(sessions, busy, now=NOW + dt.timedelta(hours=13)) is None


def test_a_use_is_written_down_once_a_minute_not_on_every_click(sessions, operator):
    """Every page run resolves its session: clicks within a minute of the last recorded use write nothing."""
    token = staff_signed_in(sessions, operator)
    model = staff_sessions.STORE.model

    def last_seen():
        with sessions() as session:
            return session.scalar(select(model.last_seen_at).where(model.token_hash == digest(token)))

    for seconds in (5, 30, 59):
        assert staff_sessions.STORE.resolve(sessions, token, now=NOW + dt.timedelta(seconds=seconds)) == operator
        assert last_seen() == NOW
    assert staff_sessions.STORE.resolve(sessions, token, now=NOW + dt.timedelta(seconds=61)) == operator
    assert last_seen() == NOW + dt.timedelta(seconds=61)


def test_staff_logout_ends_the_session(sessions, operator):
    token = staff_signed_in(sessions, operator)
    staff_sessions.STORE.end(sessions, token, now=NOW)
    assert staff_sessions.STORE.resolve(sessions, token, now=NOW) is None


@pytest.mark.parametrize("change", [dict(role="analyst"), dict(active=False), dict(password="new-staff-pass-2027")])
def test_a_role_change_a_new_password_or_deactivation_ends_the_users_sessions(sessions, operator, change):
    other = staff.create_staff_user(sessions, "operator2", STAFF_PASSWORD, "operator", now=NOW).id
    desk, laptop, colleague = (
        staff_signed_in(sessions, operator),
        staff_signed_in(sessions, operator, browser="laptop"),
        staff_signed_in(sessions, other),
    )
    staff.update_staff_user(sessions, operator, actor="admin", now=NOW + dt.timedelta(minutes=1), **change)
    later = NOW + dt.timedelta(minutes=2)
    assert staff_sessions.STORE.resolve(sessions, desk, now=later) is None
    assert staff_sessions.STORE.resolve(sessions, laptop, now=later) is None
    assert staff_sessions.STORE.resolve(sessions, colleague, now=later) == other


def test_an_unchanged_role_keeps_the_session(sessions, operator):
    token = staff_signed_in(sessions, operator)
    staff.update_staff_user(sessions, operator, role="operator", active=True, actor="admin", now=NOW)
    assert staff_sessions.STORE.resolve(sessions, token, now=NOW) == operator


def test_a_staff_ticket_is_bound_to_its_browser_and_means_nothing_to_the_consumer_side(sessions, operator, login_id):
    _token, ticket = staff_sessions.STORE.start(sessions, operator, browser="desk", now=NOW)
    assert consumer_sessions.exchange_ticket(sessions, ticket, browser="desk", now=NOW) is None
    assert staff_sessions.STORE.exchange_ticket(sessions, ticket, browser="elsewhere", now=NOW) is None
