"""Cookie routes of the consumer session.

/session/start trades the one-time ticket issued at login for the session cookie (HttpOnly, SameSite=Lax)
and sends the browser back into the app; /session/logout revokes the session and clears the cookie.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route

from core import consumer_sessions
from core.config import SESSION_IDLE_MINUTES
from web.resources import sessions

COOKIE = consumer_sessions.COOKIE_NAME


def safe_next(target: str | None) -> str:
    """Only a path inside this site: never an absolute or protocol-relative URL (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _secure(request: Request) -> bool:
    return request.url.scheme == "https" or request.headers.get("x-forwarded-proto", "").lower() == "https"


async def start(request: Request) -> RedirectResponse:
    token = await run_in_threadpool(consumer_sessions.exchange_ticket, sessions(), request.query_params.get("ticket", ""))
    response = RedirectResponse(safe_next(request.query_params.get("next")), status_code=303)
    response.headers["Cache-Control"] = "no-store"
    if token is not None:
        response.set_cookie(
            COOKIE, token, max_age=SESSION_IDLE_MINUTES * 60, path="/", httponly=True, samesite="lax",
            secure=_secure(request),
        )
    return response


async def logout(request: Request) -> RedirectResponse:
    await run_in_threadpool(consumer_sessions.end, sessions(), request.cookies.get(COOKIE))
    response = RedirectResponse("/", status_code=303)
    response.headers["Cache-Control"] = "no-store"
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax", secure=_secure(request))
    return response


ROUTES = [
    Route("/session/start", start, methods=["GET"]),
    Route("/session/logout", logout, methods=["GET"]),
]
