"""Who is using the consumer app right now: the login, the chosen account, the language.

The login survives reloads and new tabs through a server-side session row (core.consumer_sessions) whose
random token sits in the HttpOnly cookie `teplo_session`, set by the /session/start route, which the page that
logged in calls in the background (it stays on screen, in the same Streamlit session). Within one browser tab
(and in AppTest, which has no cookies) the login id and the token are also kept in st.session_state.
"""

from __future__ import annotations

import streamlit as st

from core import consumer_sessions
from core.consumers import LinkedAccount, linked_accounts, login_profile, set_language
from core.i18n import DEFAULT_LANGUAGE, LANGUAGE_COOKIE, LANGUAGES
from ui import faults, session_cookie
from ui.public_text import text
from ui.resources import sessions

_LOGIN = "login_id"
_ACCOUNT = "account_id"
_FLAT = "flat"  # the address's name for the chosen account's place among the login's accounts
_TAB = session_cookie.TabLogin(
    consumer_sessions.COOKIE_NAME, token="session_token", signed_out="signed_out", redirect="redirect_to"
)


def language() -> str:
    """The language of this tab: chosen here, else the login's own, else the one this browser last showed
    (the cookie the page keeps, web/page_shell.py), so a signed-out visitor's choice survives a reload."""
    if "lang" not in st.session_state and current_login_id() is None:
        remembered = session_cookie.cookie(LANGUAGE_COOKIE)
        if remembered in LANGUAGES:
            st.session_state["lang"] = remembered
            # The page writes the cookie on every view, so Ukrainian there may only be what a first view showed:
            # only another language is the visitor's choice, kept at login and saved as the login's language then.
            # Taking Ukrainian for one reset a login's saved English at the next login after any reload.
            if remembered != DEFAULT_LANGUAGE:
                st.session_state["lang_chosen"] = True
    return st.session_state.get("lang", "uk")


def tr(key: str, /, **params: object) -> str:
    """A screen text in the consumer's language."""
    return text(key, language(), **params)


def current_login_id() -> int | None:
    return st.session_state.get(_LOGIN)


def require_login() -> int:
    """The logged-in consumer's id; anyone else is sent to the login form."""
    login_id = current_login_id()
    if login_id is None:
        st.session_state["login_required"] = True
        st.switch_page("pages/public/login.py")
    return login_id


def accounts() -> list[LinkedAccount]:
    login_id = current_login_id()
    return [] if login_id is None else linked_accounts(sessions(), login_id)


def selected_account() -> LinkedAccount:
    """The account the consumer is looking at (always one of the accounts linked to the login). With several, the
    address names it by its place among them (`?flat=2`, never its number), so a reload or a copied address shows
    the same flat, where the tab's own memory starts empty."""
    require_login()
    linked = accounts()
    if not linked:
        st.stop()
    chosen = st.session_state.get(_ACCOUNT)
    if chosen is None:  # a new session: the flat the address names, if it names one of these
        named = st.query_params.get(_FLAT, "")
        chosen = linked[int(named) - 1].account_id if named.isdigit() and 1 <= int(named) <= len(linked) else None
    account = next((a for a in linked if a.account_id == chosen), linked[0])
    place = str(linked.index(account) + 1)
    if len(linked) > 1 and st.query_params.get(_FLAT) != place:
        st.query_params[_FLAT] = place
    return account


def select_account(account_id: int) -> None:
    st.session_state[_ACCOUNT] = account_id


def _adopt(login_id: int) -> None:
    st.session_state[_LOGIN] = login_id
    if "lang_chosen" not in st.session_state:
        _login, lang = login_profile(sessions(), login_id)
        st.session_state["lang"] = lang if lang in LANGUAGES else "uk"


def current_token() -> str | None:
    """The token of the session this tab uses (kept by a password change, which ends all the others)."""
    return st.session_state.get(_TAB.token)


def restore() -> None:
    """Run first on every script run: resolve the session of the cookie, or of this tab's own login (refreshing
    its idle timer); a session that ended elsewhere (expired, logged out, a new password) signs the tab out."""
    tokens = _TAB.tokens()
    if not tokens:
        return
    for token in tokens:
        login_id = consumer_sessions.resolve(sessions(), token)
        if login_id is not None:
            st.session_state[_TAB.token] = token
            _adopt(login_id)
            return
    _forget()


def sign_in(login_id: int) -> None:
    """After a successful login or registration: remember the login and have the browser fetch its cookie."""
    st.session_state.pop(_TAB.signed_out, None)
    st.session_state.pop(_ACCOUNT, None)
    _adopt(login_id)
    if st.session_state.get("lang_chosen"):  # the language chosen before logging in stays the login's language
        faults.run(set_language, sessions(), login_id, language(), quiet=True)
    _TAB.started(*consumer_sessions.start(sessions(), login_id, browser=session_cookie.browser()))


def _forget() -> None:
    for key in (_LOGIN, _ACCOUNT, _TAB.token):
        st.session_state.pop(key, None)


def sign_out() -> None:
    """Revoke the server-side session and have the browser drop its cookie."""
    consumer_sessions.end(sessions(), st.session_state.get(_TAB.token))
    cookie = session_cookie.cookie(_TAB.cookie_name)
    if cookie:
        consumer_sessions.end(sessions(), cookie)
    _forget()
    _TAB.ended()


def follow_redirect() -> None:
    _TAB.follow_redirect(tr("redirecting"))
