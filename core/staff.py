"""Staff users and roles. Passwords are Argon2id hashes; failed logins are throttled per username."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, sessionmaker

from core import audit, clock, staff_sessions, throttle
from core.errors import DomainError, VerificationFailed
from core.passwords import check_policy, dummy_hash, hash_password, needs_rehash, verify_password
from core.queries import read_rows
from core.races import write_or_explain
from db.models import StaffUser

ROLES = ("admin", "manager", "analyst", "operator")
STAFF_LOGIN_SCOPE = "staff_login"
_USERNAME = re.compile(r"^[a-z0-9._-]{3,60}$")
# The demo's staff users and their passwords, published in the README: the demo creates them (demo/), and a real
# installation refuses them (core.deployment, `manage.py create-admin`).
DEMO_STAFF = {role: f"demo-{role}-2026" for role in ROLES}


@dataclass(frozen=True)
class StaffIdentity:
    id: int
    username: str
    full_name: str
    role: str
    active: bool = True


def _identity(user: StaffUser) -> StaffIdentity:
    return StaffIdentity(user.id, user.username, user.full_name, user.role, user.active)


def create_staff_user(
    sessions: sessionmaker[Session],
    username: str,
    password: str,
    role: str,
    full_name: str = "",
    actor: str = "cli",
    now: dt.datetime | None = None,
) -> StaffIdentity:
    now = now or clock.now()
    username = username.strip().lower()
    if not _USERNAME.match(username):
        raise DomainError("staff.username_format")
    if role not in ROLES:
        raise DomainError("staff.role_unknown")
    check_policy(password)
    password_hash = hash_password(password)

    def taken(session: Session) -> None:
        if session.scalar(select(exists().where(StaffUser.username == username))):
            raise DomainError("staff.username_taken")

    def write(session: Session) -> StaffIdentity:
        taken(session)
        user = StaffUser(
            username=username,
            full_name=full_name.strip() or username,
            password_hash=password_hash,
            role=role,
            active=True,
            created_at=now,
        )
        session.add(user)
        session.flush()
        audit.staff_action(session, actor, "staff.created", "staff_user", username, at=now, role=role)
        return _identity(user)

    return write_or_explain(sessions, write, taken)


def authenticate_staff(
    sessions: sessionmaker[Session], username: str, password: str, now: dt.datetime | None = None
) -> StaffIdentity:
    now = now or clock.now()
    key = (username or "").strip().lower()
    attempt = throttle.claim(sessions, STAFF_LOGIN_SCOPE, key, now)
    with sessions.begin() as session:
        user = session.scalar(select(StaffUser).where(StaffUser.username == key))
        known = user is not None and user.active
        # The same Argon2 work for an unknown, a deactivated and an active user: the timing reveals nothing.
        if (
            verify_password(user.password_hash if user is not None and known else dummy_hash(), password)
            and user is not None
            and known
        ):
            user.last_login_at = now
            if needs_rehash(user.password_hash):
                user.password_hash = hash_password(password)
            throttle.succeeded(session, attempt, now)
            audit.staff_action(session, key, "staff.login", "staff_user", key, at=now)
            return _identity(user)
        throttle.failed(session, attempt, now)
    raise VerificationFailed("staff.login_failed")


def get_staff_user(sessions: sessionmaker[Session], user_id: int) -> StaffIdentity | None:
    """Re-read on every page, so a deactivated user or a changed role takes effect at once."""
    with sessions() as session:
        user = session.get(StaffUser, user_id)
        return _identity(user) if user is not None and user.active else None


def list_staff_users(sessions: sessionmaker[Session]) -> list[StaffIdentity]:
    query = select(StaffUser.id, StaffUser.username, StaffUser.full_name, StaffUser.role, StaffUser.active)
    return read_rows(sessions, StaffIdentity, query.order_by(StaffUser.username))


def update_staff_user(
    sessions: sessionmaker[Session],
    user_id: int,
    *,
    role: str | None = None,
    active: bool | None = None,
    password: str | None = None,
    actor: str,
    now: dt.datetime | None = None,
) -> None:
    now = now or clock.now()
    if role is not None and role not in ROLES:
        raise DomainError("staff.role_unknown")
    if password is not None:
        check_policy(password)
    with sessions.begin() as session:
        user = session.get_one(StaffUser, user_id)
        changes: dict[str, object] = {}
        if role is not None and role != user.role:
            changes["role"] = [user.role, role]
            user.role = role
        if active is not None and active != user.active:
            changes["active"] = [user.active, active]
            user.active = active
        if password is not None:
            user.password_hash = hash_password(password)
            changes["password"] = "changed"
        if {"role", "active", "password"} & changes.keys():  # signed in again, under the new terms, or not at all
            staff_sessions.STORE.revoke_all(session, user.id, now)
        audit.staff_action(session, actor, "staff.updated", "staff_user", user.username, at=now, **changes)
