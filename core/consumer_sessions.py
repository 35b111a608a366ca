"""Consumer login sessions (the rules are in core.login_sessions): idle TEPLO_SESSION_IDLE_MINUTES, at most
TEPLO_SESSION_MAX_DAYS old; a new password ends the login's other sessions."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session, sessionmaker

from core.config import settings
from core.login_sessions import SessionStore
from db.models import ConsumerSession

COOKIE_NAME = "teplo_session"


STORE = SessionStore(ConsumerSession, "login_id", lambda: settings().consumer_session())


def start(
    sessions: sessionmaker[Session], login_id: int, *, browser: str | None, now: dt.datetime | None = None
) -> tuple[str, str | None]:
    """Create a session; returns (session token, one-time ticket bound to the browser, or None without one)."""
    return STORE.start(sessions, login_id, browser=browser, now=now)


def exchange_ticket(
    sessions: sessionmaker[Session], ticket: str | None, *, browser: str | None, now: dt.datetime | None = None
) -> str | None:
    """Trade a one-time ticket for a fresh session token (the old token is never sent over a URL)."""
    return STORE.exchange_ticket(sessions, ticket, browser=browser, now=now)


def resolve(sessions: sessionmaker[Session], token: str | None, now: dt.datetime | None = None) -> int | None:
    """The login id behind a live session token, refreshing its idle timer; None if unknown or expired."""
    return STORE.resolve(sessions, token, now)


def end(sessions: sessionmaker[Session], token: str | None, now: dt.datetime | None = None) -> None:
    STORE.end(sessions, token, now)


def revoke_others(session: Session, login_id: int, now: dt.datetime, keep_token: str | None) -> int:
    """After a password change: every other session of the login ends (the one in use stays)."""
    return STORE.revoke_all(session, login_id, now, keep_token=keep_token)


def revoke_all_for_login(session: Session, login_id: int, now: dt.datetime) -> int:
    """End every live session of a login (a password reset: whoever held the old password is logged out).
    Runs in the caller's transaction; returns how many sessions it ended."""
    return STORE.revoke_all(session, login_id, now, keep_token=None)
