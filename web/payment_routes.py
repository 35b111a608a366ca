"""Payment-provider routes: the LiqPay server_url callback.

LiqPay POSTs form fields `data` and `signature`; core.payment_callbacks.handle_callback verifies and applies them.
200 when the callback was taken (including a harmless repeat), 400 when it was rejected (and audited).
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from core.payment_callbacks import handle_callback
from core.payment_providers import CALLBACK_PATH, PaymentSettings
from core.resources import sessions

MAX_BODY_BYTES = 64 * 1024


async def liqpay_callback(request: Request) -> JSONResponse:
    if int(request.headers.get("content-length") or 0) > MAX_BODY_BYTES:
        return JSONResponse({"result": "rejected", "reason": "too_large"}, status_code=413)
    form: Mapping[str, object]
    try:
        form = await request.form()
    except Exception:  # a malformed body is one more unsigned callback: rejected below, never a traceback
        form = {}
    data, signature = form.get("data"), form.get("signature")
    if not isinstance(data, str) or not isinstance(signature, str):
        data, signature = "", ""
    settings = PaymentSettings.load()  # core.config: the environment with secrets.toml on top
    result = await run_in_threadpool(handle_callback, sessions(), data, signature, settings)
    if not result.accepted:
        return JSONResponse({"result": "rejected", "reason": result.reason}, status_code=400)
    return JSONResponse({"result": result.outcome, "status": result.status})


ROUTES: list = [Route(CALLBACK_PATH, liqpay_callback, methods=["POST"])]
