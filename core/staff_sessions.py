"""Staff login sessions (the rules are in core.login_sessions): idle STAFF_SESSION_IDLE_MINUTES, at most
STAFF_SESSION_MAX_HOURS old; ended on logout, a role change, a new password and deactivation (core.staff)."""

from __future__ import annotations

import datetime as dt

from core import config
from core.login_sessions import SessionStore
from core.session_rules import Lifetime
from db.models import StaffSession

COOKIE_NAME = "teplo_staff_session"


def lifetime() -> Lifetime:
    return Lifetime(idle=dt.timedelta(minutes=config.STAFF_SESSION_IDLE_MINUTES),
                    absolute=dt.timedelta(hours=config.STAFF_SESSION_MAX_HOURS))


STORE = SessionStore(StaffSession, "staff_user_id", lifetime)
