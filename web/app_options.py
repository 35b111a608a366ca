"""What both entrypoints' ASGI app is made of beside its script: the app's routes, the middleware every request
passes through (a request id, the browser's own cookie, unknown page addresses answered by the app itself, then the
app's own), the handler of a fault under a page, and the lifespan that logs the server's start and end.

`streamlit run` finds the app by reading the entrypoint's source for the assignment `app = st.App(...)`
(streamlit.web.server.app_discovery), so each entrypoint writes that call out and passes these as its keywords."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from starlette.middleware import Middleware
from starlette.routing import BaseRoute

from web import observability
from web.not_found import only_known_pages
from web.session_cookie import BrowserCookieMiddleware


def app_options(
    name: str,
    app: str,
    routes: Sequence[BaseRoute],
    pages: Iterable[str],
    *inner: Middleware,
    on_script_error: Callable[[Exception], bool],
) -> dict[str, Any]:
    """st.App's keywords for the entrypoint `name` (its log name) of the `app` ("public" or "staff"), whose page
    addresses are `pages`; `inner` is the app's own middleware, after the shared one."""
    return {
        "routes": routes,
        "middleware": [
            Middleware(observability.RequestIdMiddleware),
            Middleware(BrowserCookieMiddleware),
            *only_known_pages(pages, routes, app),
            *inner,
        ],
        "on_script_error": on_script_error,
        "lifespan": observability.lifespan(name),
    }
