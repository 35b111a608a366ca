"""The HTTP side of the login sessions, shared by both apps (each mounts its own routes, with its own cookie).

- Every browser that opens a page gets a random HttpOnly cookie of its own (`teplo_browser`), set on the HTML
  page before the app's websocket opens, so the Streamlit session knows it (st.context.cookies holds the cookies
  of that websocket's opening request). A login ticket is issued for that browser only (core.login_sessions).
- GET /session/start trades the ticket, in the browser it was issued to, for the session cookie (HttpOnly,
  SameSite=Lax, Secure behind TLS) and sends the browser on to the page it came for.
- POST /session/logout (from the app's own page only) ends the session and drops the cookie. It is not a GET, so
  a link or an image elsewhere cannot sign anyone out.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection, Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.i18n import t
from core.login_sessions import BROWSER_COOKIE, LOGOUT_PATH, START_PATH, SessionStore
from core.resources import sessions


def _both_languages(key: str) -> str:
    """A route's short answer, before the app knows the visitor's language: Ukrainian, then English."""
    return f"{t(key, 'uk')}\n{t(key, 'en')}"


def safe_next(target: str | None) -> str:
    """Only a path inside this site: never an absolute or protocol-relative URL (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def is_https(scope: Scope) -> bool:
    """Over TLS, directly or through a trusted proxy (the server applies X-Forwarded-Proto from the proxies of
    TEPLO_TRUSTED_PROXIES only: web.proxies)."""
    return scope.get("scheme") in ("https", "wss")


def _cookie_header(name: str, value: str, scope: Scope) -> str:
    response = Response()
    response.set_cookie(name, value, path="/", httponly=True, samesite="lax", secure=is_https(scope))
    return response.headers["set-cookie"]


class BrowserCookieMiddleware:
    """Sets `teplo_browser` on a page response (HTML, or a navigation asking for it) when the browser has none."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        connection = HTTPConnection(scope)
        if connection.cookies.get(BROWSER_COOKIE):
            await self.app(scope, receive, send)
            return
        navigation = "text/html" in connection.headers.get("accept", "")

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if navigation or headers.get("content-type", "").startswith("text/html"):
                    headers.append("set-cookie", _cookie_header(BROWSER_COOKIE, secrets.token_urlsafe(32), scope))
            await send(message)

        await self.app(scope, receive, send_with_cookie)


def _same_origin(request: Request) -> bool:
    """The request was sent by a page of this site (the Origin a browser puts on every POST)."""
    origin = request.headers.get("origin")
    host = request.headers.get("host")
    if not origin or not host:
        return False
    return urlsplit(origin).hostname == urlsplit(f"//{host}").hostname


def cookie_routes(store: SessionStore, cookie_name: str, max_age: Callable[[], int]) -> list[Route]:
    """The two cookie routes of one app's sessions."""

    async def start(request: Request) -> Response:
        token = await run_in_threadpool(
            store.exchange_ticket,
            sessions(),
            request.query_params.get("ticket"),
            browser=request.cookies.get(BROWSER_COOKIE),
        )
        response = RedirectResponse(safe_next(request.query_params.get("next")), status_code=303)
        response.headers["Cache-Control"] = "no-store"
        if token is not None:
            response.set_cookie(
                cookie_name,
                token,
                max_age=max_age(),
                path="/",
                httponly=True,
                samesite="lax",
                secure=is_https(request.scope),
            )
        return response

    async def logout(request: Request) -> Response:
        if not _same_origin(request):
            return PlainTextResponse(_both_languages("session.logout_refused"), status_code=403)
        await run_in_threadpool(store.end, sessions(), request.cookies.get(cookie_name))
        response = RedirectResponse("/", status_code=303)
        response.headers["Cache-Control"] = "no-store"
        response.delete_cookie(cookie_name, path="/", httponly=True, samesite="lax", secure=is_https(request.scope))
        return response

    async def logout_by_link(_request: Request) -> Response:
        """Answered here, not by the app's page: a GET never signs anyone out."""
        return PlainTextResponse(_both_languages("session.logout_by_link"), status_code=405, headers={"Allow": "POST"})

    return [
        Route(START_PATH, start, methods=["GET"]),
        Route(LOGOUT_PATH, logout, methods=["POST"]),
        Route(LOGOUT_PATH, logout_by_link, methods=["GET"]),
    ]
