"""The app's own "page not found" for addresses that are none of its pages.

Streamlit answers every unknown path with its single-page app: an unknown page showed Streamlit's English
"Page not found" dialog over the default page, and a nested path such as `/staff/overview` a blank white page
(the page's scripts are requested relative to `/staff/` and are not found). This ASGI middleware answers a
browser's GET for any path that is not one of the app's pages, not one of its routes and not one of Streamlit's
own files with a 404 and a short page in Ukrainian (English below), linking to the app's home page.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from pathlib import Path

import streamlit
from starlette.middleware import Middleware
from starlette.responses import HTMLResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from ui.public_text import text

# The url paths public_app.py registers in st.navigation (checked against it by a test).
PUBLIC_PAGES = (
    "login",
    "register",
    "account",
    "readings",
    "pay",
    "profile",
    "add-account",
    "pay-demo",
    "pay-result",
    "reset-password",
)
# Streamlit's own endpoints and assets (its static folder holds index.html, favicon.png, manifest.json, static/).
STREAMLIT_PREFIXES = ("_stcore", "media", "component", "static", "app/static")
STREAMLIT_FILES = frozenset(path.name for path in (Path(streamlit.__file__).parent / "static").iterdir())
TITLES = {"public": "app.title", "staff": "staff.app_title"}  # catalog keys of the apps' names


def page(app_title: str) -> str:
    """The not-found page: self-contained (no script, no outside resource), Ukrainian first, English below."""
    title, body, home = (text(key, "uk") for key in ("not_found.title", "not_found.body", "not_found.home"))
    english = ". ".join(text(key, "en").rstrip(".") for key in ("not_found.title", "not_found.body")) + "."
    return f"""<!doctype html>
<html lang="uk"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)} · {html.escape(app_title)}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#31333f}}
a{{color:#1f6fb2}} .en{{color:#6b6f7b;font-size:.9rem}}</style></head>
<body><p>🔥 <strong>{html.escape(app_title)}</strong></p><h1>{html.escape(title)}</h1><p>{html.escape(body)}</p>
<p><a href="/">{html.escape(home)}</a></p><p class="en" lang="en">{html.escape(english)}</p></body></html>"""


def is_known(path: str, pages: frozenset[str], routes: frozenset[str]) -> bool:
    relative = path.strip("/")
    if relative == "" or relative in pages or f"/{relative}" in routes or relative in STREAMLIT_FILES:
        return True
    return any(relative == prefix or relative.startswith(prefix + "/") for prefix in STREAMLIT_PREFIXES)


class OnlyKnownPages:
    """ASGI middleware: a GET or HEAD for an unknown path gets the app's own 404 page; everything else passes."""

    def __init__(self, app: ASGIApp, pages: Iterable[str], routes: Iterable[str], app_title: str) -> None:
        self.app = app
        self.pages = frozenset(pages)
        self.routes = frozenset(routes)
        self.body = page(app_title)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope.get("method") in ("GET", "HEAD")
            and not is_known(scope.get("path", "/"), self.pages, self.routes)
        ):
            response = HTMLResponse(self.body, status_code=404, headers={"Cache-Control": "no-store"})
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def only_known_pages(pages: Iterable[str], routes: Iterable, app: str) -> list[Middleware]:
    """The middleware list for st.App: `routes` are the app's extra Starlette routes (their paths are known)."""
    return [
        Middleware(
            OnlyKnownPages,
            pages=list(pages),
            routes=[route.path for route in routes],
            app_title=text(TITLES[app], "uk"),
        )
    ]
