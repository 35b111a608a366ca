"""Server-side login sessions, the same rules for consumers and staff: the browser keeps a random token, the
database keeps only its hash.

A fresh login gets a one-time ticket (2 minutes) that an HTTP route exchanges for the session cookie. The ticket is
bound to the browser that logged in: the hash of that browser's own random cookie is stored with it, and the
exchange succeeds only when the same cookie comes back, so a ticket sent to someone else logs nobody in (login
CSRF). The page that logged in keeps using its session while its browser fetches the cookie in the background: the
process that issued the ticket remembers the session's token until the exchange (server memory only, as the page's
own state), so the cookie carries that same token and the page and the cookie stay one session. A session ends on logout, after its idle time without use, at its maximum age, or when revoked for its owner
(a new password, a changed role, a deactivated user).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session, sessionmaker

from core import clock
from core.session_rules import Lifetime, is_live, seen_again
from db.models import ConsumerSession, StaffSession

TICKET_LIFETIME = dt.timedelta(minutes=2)
# Shared by the apps' pages and their HTTP routes (web.session_cookie): the browser's own random cookie, the route
# that trades a ticket for the session cookie (GET) and the one that ends the session (POST).
BROWSER_COOKIE = "teplo_browser"
START_PATH = "/session/start"
LOGOUT_PATH = "/session/logout"
Row = TypeVar("Row", ConsumerSession, StaffSession)
# Tokens remembered for tickets not yet exchanged, at most this many per process (each lives 2 minutes at most).
HANDOFF_LIMIT = 10_000


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class SessionStore(Generic[Row]):
    """The sessions of one kind of user, in `model`'s table, owned through its `owner` column."""

    def __init__(self, model: type[Row], owner: str, lifetime: Callable[[], Lifetime]) -> None:
        self.model: type[Row] = model
        self.owner = getattr(model, owner)
        self._owner_name = owner
        self.lifetime = lifetime
        self._handoff: dict[str, tuple[str, dt.datetime]] = {}  # ticket hash -> (token, ticket expiry)
        self._handoff_lock = threading.Lock()

    def _remember(self, ticket: str, token: str, expires_at: dt.datetime) -> None:
        with self._handoff_lock:
            waiting = self._handoff
            for key in [key for key, (_token, until) in waiting.items() if until < expires_at - TICKET_LIFETIME]:
                del waiting[key]  # expired unused
            while len(waiting) >= HANDOFF_LIMIT:
                del waiting[next(iter(waiting))]  # the oldest: its exchange then just gets a fresh token
            waiting[digest(ticket)] = (token, expires_at)

    def _handed_off(self, ticket: str) -> str | None:
        with self._handoff_lock:
            kept = self._handoff.pop(digest(ticket), None)
        return kept[0] if kept else None

    def start(
        self, sessions: sessionmaker[Session], owner_id: int, *, browser: str | None, now: dt.datetime | None = None
    ) -> tuple[str, str | None]:
        """Open a session for a fresh login: (session token, one-time ticket). Without the browser's cookie no
        ticket is issued: the login then lives only in the tab that made it."""
        now = now or clock.now()
        token = secrets.token_urlsafe(32)
        ticket = secrets.token_urlsafe(24) if browser else None
        with sessions.begin() as session:
            session.add(
                self.model(
                    **{self._owner_name: owner_id},
                    token_hash=digest(token),
                    ticket_hash=digest(ticket) if ticket else None,
                    ticket_expires_at=now + TICKET_LIFETIME if ticket else None,
                    browser_hash=digest(browser) if browser else None,
                    created_at=now,
                    last_seen_at=now,
                )
            )
        if ticket:
            self._remember(ticket, token, now + TICKET_LIFETIME)
        return token, ticket

    def exchange_ticket(
        self,
        sessions: sessionmaker[Session],
        ticket: str | None,
        *,
        browser: str | None,
        now: dt.datetime | None = None,
    ) -> str | None:
        """Trade a one-time ticket, in the browser it was issued to, for the session's token: the one the page that
        logged in holds when this process issued the ticket (so the page and the cookie stay one session), else a
        fresh one (another replica, a restart).

        The ticket is claimed by one atomic UPDATE, so of any number of simultaneous tries exactly one gets it
        (on both databases); it is spent whether or not the browser matches: a leaked ticket is worth one try."""
        now = now or clock.now()
        if not ticket:
            return None
        model = self.model
        with sessions.begin() as session:
            claimed = session.execute(
                update(model)
                .where(model.ticket_hash == digest(ticket), model.ticket_expires_at >= now, model.revoked_at.is_(None))
                .values(ticket_hash=None, ticket_expires_at=None)
                .returning(model.id, model.browser_hash, model.created_at, model.last_seen_at)
                .execution_options(synchronize_session=False)
            ).one_or_none()
            if claimed is None:
                return None
            kept = self._handed_off(ticket)  # forgotten by the claim whatever follows
            row_id, browser_hash, created_at, last_seen_at = claimed
            same_browser = (
                bool(browser) and browser_hash is not None and hmac.compare_digest(browser_hash, digest(browser or ""))
            )
            if not same_browser or not is_live(created_at, last_seen_at, now, self.lifetime()):
                return None
            token = kept or secrets.token_urlsafe(32)
            session.execute(
                update(model)
                .where(model.id == row_id)
                .values(token_hash=digest(token), last_seen_at=now)
                .execution_options(synchronize_session=False)
            )
            return token

    def resolve(self, sessions: sessionmaker[Session], token: str | None, now: dt.datetime | None = None) -> int | None:
        """The owner behind a live session token, refreshing its idle timer; None if unknown, ended or expired."""
        if not token:
            return None
        now = now or clock.now()
        with sessions.begin() as session:
            row = session.scalar(select(self.model).where(self.model.token_hash == digest(token)))
            if row is None or row.revoked_at is not None:
                return None
            if not self._live(row, now):
                row.revoked_at = now
                return None
            if seen_again(row.last_seen_at, now, self.lifetime()):
                row.last_seen_at = now
            owner_id: int = getattr(row, self._owner_name)
            return owner_id

    def end(self, sessions: sessionmaker[Session], token: str | None, now: dt.datetime | None = None) -> None:
        if not token:
            return
        now = now or clock.now()
        with sessions.begin() as session:
            session.execute(
                update(self.model)
                .where(self.model.token_hash == digest(token), self.model.revoked_at.is_(None))
                .values(revoked_at=now)
            )

    def revoke_all(self, session: Session, owner_id: int, now: dt.datetime, *, keep_token: str | None = None) -> int:
        """End every live session of the owner (but the one whose token is kept), inside the caller's unit of
        work, so the change that requires it and the revocation commit together. Returns how many ended."""
        condition = [self.owner == owner_id, self.model.revoked_at.is_(None)]
        if keep_token:
            condition.append(self.model.token_hash != digest(keep_token))
        result = session.execute(update(self.model).where(*condition).values(revoked_at=now))
        return cast(CursorResult[Any], result).rowcount

    def _live(self, row: Row, now: dt.datetime) -> bool:
        return is_live(row.created_at, row.last_seen_at, now, self.lifetime())
