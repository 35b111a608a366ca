"""Cookie routes of the consumer session (web.session_cookie): /session/start and POST /session/logout."""

from __future__ import annotations

from core import consumer_sessions
from core.config import settings
from web.session_cookie import cookie_routes


def _max_age() -> int:
    """The cookie lives as long as the session may (its idle time is enforced by the server)."""
    return settings().session_max_days * 24 * 60 * 60


ROUTES = cookie_routes(consumer_sessions.STORE, consumer_sessions.COOKIE_NAME, _max_age)
