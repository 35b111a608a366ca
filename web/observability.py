"""What both servers do once at start: refuse an unsafe production configuration, send every log line through
the one JSON handler (core.logs), and tag each HTTP request with its id."""

from __future__ import annotations

import logging
import time
from contextlib import asynccontextmanager

from core import logs

log = logging.getLogger("teplo.web")
_QUIET = ("/_stcore/", "/static/", "/favicon", "/media/", "/component/")


def _streamlit_session_id() -> str | None:
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx(suppress_warning=True)
    return None if ctx is None else ctx.session_id


def _route_to_root(logger: logging.Logger) -> None:
    """Instead of its own console handler, a library logger hands its records to the root's JSON handler."""
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
    logger.propagate = True


def route_library_loggers() -> None:
    """Streamlit gives each of its loggers a plain-text console handler, and uvicorn configures its own at server
    start: both are routed to the JSON handler instead (called at import and again from the lifespan)."""
    import streamlit.logger as streamlit_logger

    streamlit_logger.setup_formatter = _route_to_root  # loggers Streamlit creates later
    for logger in list(streamlit_logger._loggers.values()):
        _route_to_root(logger)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "uvicorn.asgi", "websockets"):
        _route_to_root(logging.getLogger(name))
    # Every health check and asset would be a line: the app's own routes get one line each from the middleware.
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)


def start(app_name: str) -> None:
    """The server's first step: structured logs, then the production guard (exits with the reasons)."""
    import sys

    from core.config import settings
    from core.deployment import startup_guard

    try:
        settings()  # built once for the process, here: a setting that cannot be read stops the start, by name
    except ValueError as error:
        print(f"{app_name}: refusing to start: {error}", file=sys.stderr, flush=True)
        raise SystemExit(2) from None
    logs.configure(session_id=_streamlit_session_id)
    route_library_loggers()
    startup_guard(app_name)


def lifespan(app_name: str):
    @asynccontextmanager
    async def _lifespan(_app):
        route_library_loggers()  # uvicorn has set up its own loggers by now
        from core.config import demo_mode

        log.info("server started", extra={"app": app_name, "mode": "demo" if demo_mode() else "production"})
        yield None
        log.info("server stopping", extra={"app": app_name})

    return _lifespan


class RequestIdMiddleware:
    """Pure ASGI: each request (and WebSocket) gets an id (the proxy's X-Request-ID or a fresh one) for the log
    lines written while it is served, echoed in the response; the app's own routes get one access line each."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        rid = logs.new_request_id(headers.get(b"x-request-id", b"").decode("latin-1"))
        token = logs.request_id.set(rid)
        status = {"code": None}
        started = time.perf_counter()

        async def tagged_send(message):
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                message = {**message, "headers": [*message.get("headers", []), (b"x-request-id", rid.encode())]}
            await send(message)

        try:
            await self.app(scope, receive, tagged_send)
        finally:
            path = scope.get("path", "")
            if scope["type"] == "http" and not path.startswith(_QUIET) and path != "/":
                log.info(
                    "request",
                    extra={
                        "method": scope.get("method"),
                        "path": path,
                        "status": status["code"],
                        "ms": round((time.perf_counter() - started) * 1000, 1),
                    },
                )
            logs.request_id.reset(token)
