"""Extra HTTP routes of the public app, mounted by `st.App(..., routes=ROUTES)` in public_app.py."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from sqlalchemy import text

from web.resources import engine


async def health(_request: Request) -> JSONResponse:
    """For load balancers: 200 when the database answers."""
    try:
        with engine().connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:  # the balancer needs a status, not a traceback
        return JSONResponse({"status": "database unavailable"}, status_code=503)
    return JSONResponse({"status": "ok"})


from web.payment_routes import ROUTES as PAYMENT_ROUTES  # noqa: E402
from web.session_routes import ROUTES as SESSION_ROUTES  # noqa: E402

ROUTES = [Route("/health", health, methods=["GET"]), *SESSION_ROUTES, *PAYMENT_ROUTES]
