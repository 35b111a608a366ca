"""A public app process opens one connection pool: its pages (Streamlit) and its HTTP routes (web/: the session
cookie, the payment callback, /health) share the engine of core.resources."""

from __future__ import annotations

import asyncio

from sqlalchemy import event
from sqlalchemy.pool import Pool
from starlette.applications import Starlette

from tests.app.conftest import open_app
from tests.app.public_support import build, log_in, registered
from web.public_routes import ROUTES


async def asgi_get(app, path: str, query: str = "", cookie: str = "") -> tuple[int, dict[str, str]]:
    """One GET through the ASGI app, as the server would pass it; returns the status and the headers."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"cabinet.test"), *([(b"cookie", cookie.encode())] if cookie else [])],
        "client": ("127.0.0.1", 50000),
        "server": ("cabinet.test", 80),
    }
    answer: dict = {}

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]
            answer["headers"] = {k.decode().lower(): v.decode() for k, v in message["headers"]}

    await app(scope, receive, send)
    return answer["status"], answer["headers"]


def test_a_login_on_the_page_and_its_cookie_route_use_one_pool(app_world, monkeypatch):
    from ui import session_cookie

    monkeypatch.setattr(session_cookie, "browser", lambda: "this-browser")  # AppTest cannot send the cookie
    build(app_world)
    registered(app_world)
    pools: list[int] = []

    def first_connect(_dbapi_connection, _record) -> None:  # once per pool, on its first connection
        pools.append(1)

    event.listen(Pool, "first_connect", first_connect)
    try:
        at = log_in(open_app("public_app.py"), "olena@example.com")  # the page writes the session row
        redirect = [h.proto.body for h in at.get("html") if "/session/start?ticket=" in h.proto.body]
        ticket = redirect[0].split("ticket=", 1)[1].split("&", 1)[0].split('"', 1)[0]
        app = Starlette(routes=ROUTES)
        status, headers = asyncio.run(
            asgi_get(app, "/session/start", f"ticket={ticket}", cookie="teplo_browser=this-browser")
        )
        health, _ = asyncio.run(asgi_get(app, "/health"))
    finally:
        event.remove(Pool, "first_connect", first_connect)
    assert status == 303 and "teplo_session=" in headers.get("set-cookie", "")  # the route took the page's ticket
    assert health == 200
    assert len(pools) == 1
