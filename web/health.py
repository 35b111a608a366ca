"""The /health route both apps serve for load balancers."""

from __future__ import annotations

from sqlalchemy import text
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from core.resources import engine


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


HEALTH_ROUTE = Route("/health", health, methods=["GET"])
