"""Staff login sessions (the rules are in core.login_sessions): idle TEPLO_STAFF_SESSION_IDLE_MINUTES, at
most TEPLO_STAFF_SESSION_MAX_HOURS old; ended on logout, a role change, a new password and deactivation (core.staff)."""

from __future__ import annotations

from core.config import settings
from core.login_sessions import SessionStore
from db.models import StaffSession

COOKIE_NAME = "teplo_staff_session"


STORE = SessionStore(StaffSession, "staff_user_id", lambda: settings().staff_session())
