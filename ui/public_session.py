"""Who is using the consumer app right now: the login, the chosen account, the language.

Contract shared by every consumer page (the consumer-cabinet work makes it durable with a cookie-backed
server-side session; the pages only call these functions).
"""

from __future__ import annotations

import streamlit as st

from core.consumers import LinkedAccount, linked_accounts
from ui.resources import sessions


def language() -> str:
    return st.session_state.get("lang", "uk")


def current_login_id() -> int | None:
    return st.session_state.get("login_id")


def require_login() -> int:
    login_id = current_login_id()
    if login_id is None:
        st.warning("Увійдіть до кабінету." if language() == "uk" else "Please log in.")
        st.stop()
    return login_id


def selected_account() -> LinkedAccount:
    """The account the consumer is looking at (one of the accounts linked to the login)."""
    login_id = require_login()
    accounts = linked_accounts(sessions(), login_id)
    if not accounts:
        st.stop()
    chosen = st.session_state.get("account_id")
    return next((a for a in accounts if a.account_id == chosen), accounts[0])
