"""The session cookie routes over real HTTP (`streamlit run` on a fresh SQLite database, requests without a
browser): the browser's own cookie on the first page, tickets bound to it, logout only by a POST from the cabinet's
page, `X-Forwarded-Proto` honoured only from TEPLO_TRUSTED_PROXIES, the staff app's own cookie."""

from __future__ import annotations

import http.client
from http.cookies import SimpleCookie
from urllib.parse import urlsplit

import pytest

from core import consumer_sessions, staff_sessions
from core.clock import now as business_now
from db.engine import make_engine, make_sessions
from db.migrate import upgrade
from db.models import ConsumerLogin, StaffUser
from tests.e2e.conftest import WINDOW_OPEN
from tests.e2e.harness import TIMEOUT, running


def _request(base: str, method: str, path: str, headers: dict[str, str] | None = None):
    """One request, redirects not followed: (status, headers as a list of pairs, body)."""
    address = urlsplit(base)
    assert address.hostname is not None, base
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=TIMEOUT)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.getheaders(), response.read().decode("utf-8", "replace")
    finally:
        connection.close()


def _set_cookies(headers) -> dict[str, str]:
    """name -> the whole Set-Cookie line, for each cookie the response sets."""
    found = {}
    for name, value in headers:
        if name.lower() == "set-cookie":
            found[next(iter(SimpleCookie(value).keys()))] = value
    return found


@pytest.fixture(scope="module", autouse=True)
def same_clock_as_the_servers():
    """This process writes and reads session rows too: on the servers' pinned business clock."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TEPLO_NOW", WINDOW_OPEN)
        yield


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    """An empty migrated database with one consumer login and one staff user; yields (url, sessions, ids)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('routes') / 'routes.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    sessions = make_sessions(engine)
    with sessions.begin() as session:
        consumer = ConsumerLogin(
            login="olena@example.com", password_hash="not-used-here", language="uk", created_at=business_now()
        )
        staff = StaffUser(
            username="operator1",
            full_name="Operator",
            password_hash="not-used-here",
            role="operator",
            active=True,
            created_at=business_now(),
        )
        session.add_all([consumer, staff])
        session.flush()
        ids = consumer.id, staff.id
    yield url, sessions, ids
    engine.dispose()


@pytest.fixture(scope="module")
def public(database):
    with running("public_app.py", database[0], WINDOW_OPEN) as server:
        yield server


@pytest.fixture(scope="module")
def behind_proxy(database):
    """The public app as deployed behind a reverse proxy on the same machine."""
    with running("public_app.py", database[0], WINDOW_OPEN, {"TEPLO_TRUSTED_PROXIES": "127.0.0.1"}) as server:
        yield server


def _ticket(database, browser: str) -> str:
    _url, sessions, (login_id, _staff_id) = database
    _token, ticket = consumer_sessions.start(sessions, login_id, browser=browser)
    assert ticket is not None  # a browser was given: the session comes with a ticket bound to it
    return ticket


def _start(server, ticket: str, browser: str | None, extra: dict[str, str] | None = None):
    headers = {"Cookie": f"teplo_browser={browser}"} if browser else {}
    return _request(server.url, "GET", f"/session/start?ticket={ticket}&next=/readings", {**headers, **(extra or {})})


def test_the_first_page_gives_the_browser_a_random_cookie_of_its_own(public):
    status, headers, _body = _request(public.url, "GET", "/", {"Accept": "text/html"})
    assert status == 200
    cookie = _set_cookies(headers).get("teplo_browser")
    assert cookie is not None
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    value = SimpleCookie(cookie)["teplo_browser"].value
    assert len(value) >= 40
    _status, again, _body = _request(
        public.url, "GET", "/", {"Accept": "text/html", "Cookie": f"teplo_browser={value}"}
    )
    assert "teplo_browser" not in _set_cookies(again)  # kept, not replaced
    _status, other, _body = _request(public.url, "GET", "/", {"Accept": "text/html"})
    assert SimpleCookie(_set_cookies(other)["teplo_browser"])["teplo_browser"].value != value


def test_a_ticket_logs_in_only_the_browser_it_was_issued_to(public, database):
    status, headers, _body = _start(public, _ticket(database, "victims-own-browser"), "attackers-browser")
    assert status == 303 and dict(headers)["location"] == "/readings"
    assert "teplo_session" not in _set_cookies(headers)
    _status, headers, _body = _start(public, _ticket(database, "victims-own-browser"), None)  # no cookie at all
    assert "teplo_session" not in _set_cookies(headers)

    _status, headers, _body = _start(public, _ticket(database, "my-browser"), "my-browser")
    cookie = _set_cookies(headers)["teplo_session"]
    assert "HttpOnly" in cookie and "Secure" not in cookie  # plain HTTP, no trusted proxy
    assert "Max-Age=2592000" in cookie  # the absolute lifetime, 30 days: the server enforces the idle time


def test_forwarded_proto_from_an_address_not_listed_is_ignored(public, database):
    _status, headers, _body = _start(public, _ticket(database, "b1"), "b1", {"X-Forwarded-Proto": "https"})
    assert "Secure" not in _set_cookies(headers)["teplo_session"]


def test_forwarded_proto_from_a_trusted_proxy_makes_the_cookies_secure(behind_proxy, database):
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
    _status, headers, _body = _start(behind_proxy, _ticket(database, "b2"), "b2", forwarded)
    assert "Secure" in _set_cookies(headers)["teplo_session"]
    _status, headers, _body = _request(behind_proxy.url, "GET", "/", {"Accept": "text/html", **forwarded})
    assert "Secure" in _set_cookies(headers)["teplo_browser"]
    _status, headers, _body = _start(behind_proxy, _ticket(database, "b3"), "b3")  # the proxy says plain HTTP
    assert "Secure" not in _set_cookies(headers)["teplo_session"]


def _signed_in(public, database) -> str:
    _status, headers, _body = _start(public, _ticket(database, "mine"), "mine")
    return SimpleCookie(_set_cookies(headers)["teplo_session"])["teplo_session"].value


def test_logout_is_a_post_from_the_cabinets_own_page(public, database):
    _url, sessions, (login_id, _staff_id) = database
    token = _signed_in(public, database)
    cookie = {"Cookie": f"teplo_session={token}"}

    status, _headers, _body = _request(public.url, "GET", "/session/logout", cookie)  # a link, an <img>
    assert status == 405
    status, headers, body = _request(
        public.url, "POST", "/session/logout", {**cookie, "Origin": "http://attacker.invalid"}
    )  # a form on another site
    assert status == 403 and "Вихід не виконано" in body
    assert "teplo_session" not in _set_cookies(headers)
    assert consumer_sessions.resolve(sessions, token) == login_id  # still signed in

    status, headers, _body = _request(public.url, "POST", "/session/logout", {**cookie, "Origin": public.url})
    assert status == 303 and dict(headers)["location"] == "/"
    dropped = _set_cookies(headers)["teplo_session"]
    assert "Max-Age=0" in dropped or "expires=Thu, 01 Jan 1970" in dropped
    assert consumer_sessions.resolve(sessions, token) is None


def test_the_staff_app_has_its_own_session_cookie_and_routes(database):
    _url, sessions, (_login_id, staff_id) = database
    with running("staff_dashboard.py", database[0], WINDOW_OPEN) as staff:
        status, _headers, _body = _request(staff.url, "GET", "/health")
        assert status == 200
        _token, ticket = staff_sessions.STORE.start(sessions, staff_id, browser="desk")
        _status, headers, _body = _start(staff, ticket, "desk")
        cookies = _set_cookies(headers)
        assert "teplo_session" not in cookies
        staff_cookie = cookies["teplo_staff_session"]
        assert "HttpOnly" in staff_cookie and "Max-Age=43200" in staff_cookie  # 12 hours
        token = SimpleCookie(staff_cookie)["teplo_staff_session"].value
        assert staff_sessions.STORE.resolve(sessions, token) == staff_id
        # A consumer ticket means nothing to the staff app.
        _status, headers, _body = _start(staff, _ticket(database, "desk"), "desk")
        assert not {"teplo_session", "teplo_staff_session"} & _set_cookies(headers).keys()
