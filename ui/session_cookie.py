"""What both apps' pages share about the login cookie: reading the cookies the browser sent when it opened this
tab's connection, and sending the browser to one of the cookie routes (core.login_sessions, web.session_cookie)."""

from __future__ import annotations

import json
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
