"""Who may see what in the staff dashboard: the role -> pages map, in one place, and the per-page check.

The navigation lists only the pages of the signed-in user's role, and every page calls `require_role` at its top,
which re-reads the user from the database (a deactivated user or a changed role takes effect at once).
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from core.i18n import t
from core.staff import StaffIdentity, get_staff_user
from ui.resources import sessions

SESSION_KEY = "staff_user_id"


@dataclass(frozen=True)
class StaffPage:
    key: str
    path: str
    title: str
    icon: str
    section: str
    roles: frozenset[str]


ALL = frozenset({"admin", "manager", "analyst", "operator"})
PAGES: tuple[StaffPage, ...] = (
    StaffPage("overview", "pages/staff/overview.py", "Огляд", ":material/dashboard:", "Аналітика",
              frozenset({"admin", "manager", "analyst"})),
    StaffPage("readings", "pages/staff/readings.py", "Показання", ":material/water_drop:", "Аналітика",
              frozenset({"admin", "manager", "analyst"})),
    StaffPage("payments", "pages/staff/payments.py", "Оплати", ":material/payments:", "Аналітика",
              frozenset({"admin", "manager", "analyst"})),
    StaffPage("reconciliation", "pages/staff/reconciliation.py", "Звірка оплат", ":material/fact_check:", "Аналітика",
              frozenset({"admin", "manager", "analyst"})),
    StaffPage("additional_charges", "pages/staff/additional_charges.py", "Донарахування", ":material/rule:",
              "Аналітика", frozenset({"admin", "manager", "operator"})),
    StaffPage("explore", "pages/staff/explore.py", "Дослідження даних", ":material/query_stats:", "Аналітика",
              frozenset({"admin", "analyst"})),
    StaffPage("lookup", "pages/staff/lookup.py", "Пошук рахунку", ":material/search:", "Рахунки", ALL),
    StaffPage("imports", "pages/staff/imports.py", "Імпорт файлів", ":material/upload_file:", "Рахунки",
              frozenset({"admin", "operator"})),
    StaffPage("windows", "pages/staff/windows.py", "Періоди подачі", ":material/calendar_month:", "Адміністрування",
              frozenset({"admin"})),
    StaffPage("users", "pages/staff/users.py", "Користувачі", ":material/group:", "Адміністрування",
              frozenset({"admin"})),
)
BY_KEY = {p.key: p for p in PAGES}

# Actions inside a page that not every role who sees the page may take.
ACTIONS = {
    "additional_charges.process": frozenset({"admin", "manager"}),
    "readings.correct": frozenset({"admin", "operator"}),
}

ROLE_NAMES = {"admin": "Адміністратор", "manager": "Керівник", "analyst": "Аналітик", "operator": "Оператор"}


def allowed(role: str, page_key: str) -> bool:
    return role in BY_KEY[page_key].roles


def can(role: str, action: str) -> bool:
    return role in ACTIONS[action]


def pages_for(role: str) -> list[StaffPage]:
    return [p for p in PAGES if role in p.roles]


def current_user() -> StaffIdentity | None:
    user_id = st.session_state.get(SESSION_KEY)
    if user_id is None:
        return None
    user = get_staff_user(sessions(), user_id)
    if user is None:
        st.session_state.pop(SESSION_KEY, None)
    return user


def require_role(page_key: str) -> StaffIdentity:
    """The signed-in staff user, if their role may open this page; otherwise a message and nothing else."""
    user = current_user()
    if user is None:
        st.warning("Увійдіть до панелі працівника.")
        st.stop()
    if not allowed(user.role, page_key):
        st.error(t("staff.role_denied"))
        st.stop()
    return user


def sign_in(user: StaffIdentity) -> None:
    st.session_state[SESSION_KEY] = user.id


def sign_out() -> None:
    st.session_state.pop(SESSION_KEY, None)
