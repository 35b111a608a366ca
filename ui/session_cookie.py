"""What both apps' pages share about the login cookie: reading the cookies the browser sent when it opened this
tab's connection, sending the browser to one of the cookie routes (core.login_sessions, web.session_cookie), and
keeping a tab's own login beside the cookie (TabLogin)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import quote

import streamlit as st

from core.login_sessions import BROWSER_COOKIE, LOGOUT_PATH, START_PATH


def cookie(name: str) -> str | None:
    try:
        value = st.context.cookies.get(name)
    except Exception:  # no browser request behind this run (AppTest, a bare script run)
        return None
    return value if isinstance(value, str) and value else None


def browser() -> str | None:
    """This browser's own random cookie, to bind a login ticket to it; None when it has none (no ticket then)."""
    return cookie(BROWSER_COOKIE)


def start_target(ticket: str, next_path: str = "/") -> str:
    return f"{START_PATH}?ticket={quote(ticket)}&next={quote(next_path)}"


def fetch_in_background(target: str) -> None:
    """Have the browser trade the ticket for the session cookie without leaving the page: the tab goes on in its
    own session at once (no page reload, no second start of the app), and a reload or a new tab then finds the
    cookie. The route's redirect is not followed (there is no page to show). `target` is start_target()'s."""
    script = f"fetch({json.dumps(target)}, {{credentials: 'same-origin', cache: 'no-store', redirect: 'manual'}});"
    st.html(f"<script>{script}</script>", unsafe_allow_javascript=True)


def follow(target: str | None, caption: str) -> None:
    """Send the browser to a cookie route: the ticket exchange by a plain navigation, the logout by a POST form
    (the route refuses a GET). `target` is one of our own paths with every query value percent-encoded."""
    if not target:
        return
    st.caption(caption)
    if target == LOGOUT_PATH:
        script = (
            "const form = document.createElement('form'); form.method = 'post'; "
            f"form.action = {json.dumps(target)}; document.body.appendChild(form); form.submit();"
        )
    else:
        script = f"window.location.replace({json.dumps(target)});"
    st.html(f"<script>{script}</script>", unsafe_allow_javascript=True)


@dataclass(frozen=True)
class TabLogin:
    """Where an app keeps a tab's login in st.session_state: its session's token, the mark of a sign-out in this tab
    (the cookie is not trusted again until the browser has dropped it) and the cookie route the browser is to follow.
    """

    cookie_name: str
    token: str
    signed_out: str
    redirect: str

    def tokens(self) -> list[str]:
        """The sessions to try: the cookie's (unless this tab signed out), then this tab's own."""
        candidates = [st.session_state.get(self.token)]
        if not st.session_state.get(self.signed_out):
            candidates.insert(0, cookie(self.cookie_name))
        return list(dict.fromkeys(token for token in candidates if token))

    def started(self, token: str, ticket: str | None) -> None:
        """A new session: this tab's token, and the ticket the browser trades for the cookie in the background
        (without the browser's own cookie there is no ticket, and the login stays in this tab only)."""
        st.session_state[self.token] = token
        if ticket is not None:
            st.session_state[self.redirect] = start_target(ticket)

    def ended(self) -> None:
        """Signed out: the browser is sent to drop its cookie, and this tab ignores the cookie meanwhile."""
        st.session_state[self.signed_out] = True
        st.session_state[self.redirect] = LOGOUT_PATH

    def follow_redirect(self, caption: str) -> None:
        """A pending cookie route: the ticket exchange in the background, or the logout (the page goes to the login)."""
        target = st.session_state.pop(self.redirect, None)
        if target == LOGOUT_PATH:
            follow(target, caption)
        elif target:
            fetch_in_background(target)
