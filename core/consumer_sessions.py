"""Server-side consumer sessions: the browser keeps a random token, the database keeps only its hash.

A fresh login gets a one-time ticket that an HTTP route exchanges for the cookie (tickets live 2 minutes);
sessions end on logout or after SESSION_IDLE_MINUTES without use.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from core import clock
from core.config import SESSION_IDLE_MINUTES
from db.models import ConsumerSession

TICKET_LIFETIME = dt.timedelta(minutes=2)
COOKIE_NAME = "teplo_session"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(sessions: sessionmaker[Session], login_id: int, now: dt.datetime | None = None) -> tuple[str, str]:
    """Create a session; returns (session token, one-time ticket)."""
    now = now or clock.now()
    token, ticket = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    with sessions.begin() as session:
        session.add(
            ConsumerSession(
                login_id=login_id, token_hash=_digest(token), ticket_hash=_digest(ticket),
                ticket_expires_at=now + TICKET_LIFETIME, created_at=now, last_seen_at=now,
            )
        )
    return token, ticket


def exchange_ticket(sessions: sessionmaker[Session], ticket: str, now: dt.datetime | None = None) -> str | None:
    """Trade a one-time ticket for a fresh session token (the old token is never sent over a URL)."""
    now = now or clock.now()
    with sessions.begin() as session:
        row = session.scalar(select(ConsumerSession).where(ConsumerSession.ticket_hash == _digest(ticket or "")))
        if row is None or row.revoked_at is not None or row.ticket_expires_at is None or row.ticket_expires_at < now:
            return None
        token = secrets.token_urlsafe(32)
        row.token_hash = _digest(token)
        row.ticket_hash = None
        row.ticket_expires_at = None
        row.last_seen_at = now
        return token


def resolve(sessions: sessionmaker[Session], token: str | None, now: dt.datetime | None = None) -> int | None:
    """The login id behind a live session token, refreshing its idle timer; None if unknown or expired."""
    if not token:
        return None
    now = now or clock.now()
    with sessions.begin() as session:
        row = session.scalar(select(ConsumerSession).where(ConsumerSession.token_hash == _digest(token)))
        if row is None or row.revoked_at is not None:
            return None
        if row.last_seen_at + dt.timedelta(minutes=SESSION_IDLE_MINUTES) < now:
            row.revoked_at = now
            return None
        row.last_seen_at = max(row.last_seen_at, now)
        return row.login_id


def end(sessions: sessionmaker[Session], token: str | None, now: dt.datetime | None = None) -> None:
    if not token:
        return
    now = now or clock.now()
    with sessions.begin() as session:
        row = session.scalar(select(ConsumerSession).where(ConsumerSession.token_hash == _digest(token)))
        if row is not None and row.revoked_at is None:
            row.revoked_at = now


def revoke_all_for_login(session: Session, login_id: int, now: dt.datetime) -> int:
    """End every live session of a login (a password reset: whoever held the old password is logged out).
    Runs in the caller's transaction; returns how many sessions it ended."""
    ended = session.execute(
        update(ConsumerSession)
        .where(ConsumerSession.login_id == login_id, ConsumerSession.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return ended.rowcount or 0
