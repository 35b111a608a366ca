"""Extra HTTP routes of the staff dashboard (its own process: nothing of the public app is imported here):
/health and the staff session's cookie routes (web.session_cookie, cookie `teplo_staff_session`)."""

from __future__ import annotations

from core import staff_sessions
from core.config import settings
from web.health import HEALTH_ROUTE
from web.session_cookie import cookie_routes


def _max_age() -> int:
    return settings().staff_session_max_hours * 60 * 60


ROUTES = [HEALTH_ROUTE, *cookie_routes(staff_sessions.STORE, staff_sessions.COOKIE_NAME, _max_age)]
