"""Extra HTTP routes of the public app, mounted by `st.App(..., routes=ROUTES)` in public_app.py."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from sqlalchemy import text

from web.resources import engine


def _database_answers() -> bool:
    try:
        with engine().connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:  # the balancer needs a status, not a traceback
        return False
    return True


async def health(_request: Request) -> JSONResponse:
    """For load balancers: 200 when the database answers (checked off the event loop)."""
    if not await run_in_threadpool(_database_answers):
        return JSONResponse({"status": "database unavailable"}, status_code=503)
    return JSONResponse({"status": "ok"})


from web.payment_routes import ROUTES as PAYMENT_ROUTES  # noqa: E402
from web.session_routes import ROUTES as SESSION_ROUTES  # noqa: E402

ROUTES = [Route("/health", health, methods=["GET"]), *SESSION_ROUTES, *PAYMENT_ROUTES]
