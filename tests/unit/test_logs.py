"""Structured logs: one JSON line per event, carrying the request id, never a password or a key."""

from __future__ import annotations

import asyncio
import concurrent.futures
import io
import json
import logging

from core import logs
from web.observability import RequestIdMiddleware


def lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_one_json_line_per_event_with_the_request_id_and_no_secrets(configure):
    configure(LIQPAY_PRIVATE_KEY="sandbox_private_key_XYZ")
    stream = io.StringIO()
    handler = logs.configure(stream=stream)
    try:
        log = logging.getLogger("teplo.test")
        token = logs.request_id.set("req-0123456789")
        try:
            log.info("staff login", extra={"username": "olena", "password": "довга-фраза-2020", "ms": 12.5})
            log.warning("callback with password=hunter2 and key sandbox_private_key_XYZ")
        finally:
            logs.request_id.reset(token)
        try:
            raise ValueError("token=abcdef123456 leaked")
        except ValueError:
            log.exception("failed")
    finally:
        logging.getLogger().removeHandler(handler)
    first, second, third = lines(stream)
    assert first["msg"] == "staff login" and first["level"] == "info" and first["logger"] == "teplo.test"
    assert first["request_id"] == "req-0123456789" and first["username"] == "olena" and first["ms"] == 12.5
    assert first["password"] == "***"
    assert second["msg"] == "callback with password=*** and key ***"
    assert "request_id" not in third and "abcdef123456" not in third["error"] and "token=***" in third["error"]
    assert "довга-фраза-2020" not in stream.getvalue() and "hunter2" not in stream.getvalue()


def run_apart(coroutine) -> None:
    """asyncio.run in a thread of its own: the browser suite's Playwright may hold an event loop in this one."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, coroutine).result()


def test_the_proxy_request_id_tags_the_request_and_its_log_lines():
    seen = {}

    async def app(scope, receive, send):
        seen["id"] = logs.request_id.get()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    sent = []

    async def send(message):
        sent.append(message)

    async def receive():
        return {"type": "http.request", "body": b""}

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/payments/liqpay/callback",
        "headers": [(b"x-request-id", b"4f1c2a9e8b7d6c5f")],
    }
    stream = io.StringIO()
    handler = logs.configure(stream=stream)
    try:
        run_apart(RequestIdMiddleware(app)(scope, receive, send))
        bogus = {**scope, "headers": [(b"x-request-id", b"<script>")]}
        run_apart(RequestIdMiddleware(app)(bogus, receive, send))
    finally:
        logging.getLogger().removeHandler(handler)
    assert (b"x-request-id", b"4f1c2a9e8b7d6c5f") in sent[0]["headers"]
    access = lines(stream)
    assert access[0]["request_id"] == "4f1c2a9e8b7d6c5f" and access[0]["path"] == "/payments/liqpay/callback"
    assert access[0]["status"] == 200
    assert access[1]["request_id"] != "<script>" and len(access[1]["request_id"]) == 32
    assert seen["id"] == access[1]["request_id"]
