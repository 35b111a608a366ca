"""Staff login sessions (the rules are in core.login_sessions): idle TEPLO_STAFF_SESSION_IDLE_MINUTES, at
most TEPLO_STAFF_SESSION_MAX_HOURS old; ended on logout, a role change, a new password and deactivation (core.staff)."""

from __future__ import annotations

import datetime as dt

from core.config import settings
from core.login_sessions import SessionStore
from core.session_rules import Lifetime
from db.models import StaffSession

COOKIE_NAME = "teplo_staff_session"


def lifetime() -> Lifetime:
    configured = settings()
    return Lifetime(
        idle=dt.timedelta(minutes=configured.staff_session_idle_minutes),
        absolute=dt.timedelta(hours=configured.staff_session_max_hours),
    )


STORE = SessionStore(StaffSession, "staff_user_id", lifetime)
