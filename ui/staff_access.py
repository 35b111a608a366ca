"""Who may see what in the staff dashboard: the role -> pages map, in one place, and the per-page check; and who
is signed in.

The navigation lists only the pages of the signed-in user's role, and every page calls `require_role` at its top,
which re-reads the user from the database (a deactivated user or a changed role takes effect at once).
The sign-in survives reloads, new tabs and bookmarks through a server-side staff session (core.staff_sessions)
whose random token sits in the HttpOnly cookie `teplo_staff_session`, set by the staff app's /session/start route;
the tab also keeps it in st.session_state (AppTest has no cookies).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from core import staff_sessions
from core.staff import StaffIdentity, authenticate_staff, get_staff_user
from ui import session_cookie
from ui.per_run import once_per_run
from ui.resources import sessions
from ui.staff_text import Names, tr

SESSION_KEY = "staff_user_id"
_RUN_USER = "staff_user_of_run"
_TAB = session_cookie.TabLogin(
    staff_sessions.COOKIE_NAME,
    token="staff_session_token",
    signed_out="staff_signed_out",
    redirect="staff_redirect_to",
)


@dataclass(frozen=True)
class StaffPage:
    key: str
    path: str
    icon: str
    section_key: str
    roles: frozenset[str]

    @property
    def title(self) -> str:
        """The page's name in the navigation, in the staff session's language."""
        return tr(f"staff.page.{self.key}")

    @property
    def section(self) -> str:
        return tr(f"staff.section.{self.section_key}")


ALL = frozenset({"admin", "manager", "analyst", "operator"})
PAGES: tuple[StaffPage, ...] = (
    StaffPage(
        "overview",
        "pages/staff/overview.py",
        ":material/dashboard:",
        "analytics",
        frozenset({"admin", "manager", "analyst"}),
    ),
    StaffPage(
        "readings",
        "pages/staff/readings.py",
        ":material/water_drop:",
        "analytics",
        frozenset({"admin", "manager", "analyst"}),
    ),
    StaffPage(
        "payments",
        "pages/staff/payments.py",
        ":material/payments:",
        "analytics",
        frozenset({"admin", "manager", "analyst"}),
    ),
    StaffPage(
        "reconciliation",
        "pages/staff/reconciliation.py",
        ":material/fact_check:",
        "analytics",
        frozenset({"admin", "manager", "analyst"}),
    ),
    StaffPage(
        "additional_charges",
        "pages/staff/additional_charges.py",
        ":material/rule:",
        "analytics",
        frozenset({"admin", "manager", "operator"}),
    ),
    StaffPage(
        "explore", "pages/staff/explore.py", ":material/query_stats:", "analytics", frozenset({"admin", "analyst"})
    ),
    StaffPage("lookup", "pages/staff/lookup.py", ":material/search:", "accounts", ALL),
    StaffPage(
        "imports", "pages/staff/imports.py", ":material/upload_file:", "accounts", frozenset({"admin", "operator"})
    ),
    StaffPage(
        "conflicts",
        "pages/staff/conflicts.py",
        ":material/rule_settings:",
        "accounts",
        frozenset({"admin", "operator"}),
    ),
    StaffPage("windows", "pages/staff/windows.py", ":material/calendar_month:", "admin", frozenset({"admin"})),
    StaffPage("users", "pages/staff/users.py", ":material/group:", "admin", frozenset({"admin"})),
)
BY_KEY = {p.key: p for p in PAGES}

# Actions inside a page that not every role who sees the page may take.
ACTIONS = {
    "additional_charges.process": frozenset({"admin", "manager"}),
    "readings.correct": frozenset({"admin", "operator"}),
}

ROLE_NAMES = Names("staff.role.", ("admin", "manager", "analyst", "operator"))


def allowed(role: str, page_key: str) -> bool:
    return role in BY_KEY[page_key].roles


def can(role: str, action: str) -> bool:
    return role in ACTIONS[action]


def pages_for(role: str) -> list[StaffPage]:
    return [p for p in PAGES if role in p.roles]


def url_path(page: StaffPage) -> str:
    """The address st.Page gives the page (from its file name): /overview, /payments, ..."""
    return Path(page.path).stem


def current_user() -> StaffIdentity | None:
    """The signed-in user as the database has them now (read once per script run: the entrypoint and the page
    both ask)."""
    user_id = st.session_state.get(SESSION_KEY)
    if user_id is None:
        return None
    user = once_per_run(_RUN_USER, lambda: get_staff_user(sessions(), user_id), tag=user_id)
    if user is None:
        st.session_state.pop(SESSION_KEY, None)
    return user


def require_role(page_key: str) -> StaffIdentity:
    """The signed-in staff user, if their role may open this page; otherwise a message and nothing else."""
    user = current_user()
    if user is None:
        st.warning(tr("staff.please_sign_in"))
        st.stop()
    if not allowed(user.role, page_key):
        st.error(tr("staff.role_denied"))
        st.stop()
    return user


def restore() -> None:
    """Run first on every script run: resolve the session of the cookie, or of this tab's own sign-in (refreshing
    its idle timer); a session that ended (logout, expiry, a role change, deactivation) signs the tab out."""
    tokens = _TAB.tokens()
    if not tokens:
        return
    for token in tokens:
        user_id = staff_sessions.STORE.resolve(sessions(), token)
        if user_id is not None:
            st.session_state[_TAB.token] = token
            st.session_state[SESSION_KEY] = user_id
            return
    _forget()


def sign_in(username: str, password: str) -> None:
    """Check the credentials (failures are throttled; a refusal raises DomainError), then remember the user and have
    the browser fetch its session cookie in the background (the tab goes on in its own session: the next run shows
    the bookmarked page, or the role's first one)."""
    user = authenticate_staff(sessions(), username, password)
    st.session_state.pop(_TAB.signed_out, None)
    st.session_state[SESSION_KEY] = user.id
    _TAB.started(*staff_sessions.STORE.start(sessions(), user.id, browser=session_cookie.browser()))


def _forget() -> None:
    for key in (SESSION_KEY, _TAB.token):
        st.session_state.pop(key, None)


def sign_out() -> None:
    """End the server-side session and have the browser drop its cookie."""
    staff_sessions.STORE.end(sessions(), st.session_state.get(_TAB.token))
    staff_sessions.STORE.end(sessions(), session_cookie.cookie(_TAB.cookie_name))
    _forget()
    _TAB.ended()


def follow_redirect() -> None:
    _TAB.follow_redirect(tr("staff.wait"))
