"""Structured logs: one JSON line per event on stdout (journald collects it), configured once per process.

Each line carries the time, level, logger, message, the request id (HTTP routes; nginx's X-Request-ID when it
sends one) or the Streamlit session id, and any `extra=` fields. Nothing secret gets out: fields named like a
password, key, token, signature or secret are masked, and so are `password=…`-style pairs inside messages.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import re
import sys
from collections.abc import Callable
from typing import TextIO

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("teplo_request_id", default=None)

_SECRET_NAME = re.compile(
    r"pass(word)?|secret|private|token|signature|ticket|cookie|authorization|_key$|^key$", re.IGNORECASE
)
_SECRET_PAIR = re.compile(
    r"(?P<name>[\w-]*(?:password|passwd|secret|private_key|token|signature|ticket)[\w-]*)"
    r"(?P<sep>\s*[=:]\s*|\"\s*:\s*\")(?P<value>[^\s,;&\"']+)",
    re.IGNORECASE,
)
MASK = "***"
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
    "color_message",
}


def scrub(text: str) -> str:
    """`password=hunter2` → `password=***`; LiqPay's private key, if it shows up, is masked too."""
    text = _SECRET_PAIR.sub(lambda m: f"{m.group('name')}{m.group('sep')}{MASK}", text)
    from core.config import settings

    private = settings().liqpay_private_key
    if private and len(private) >= 6:
        text = text.replace(private, MASK)
    return text


class JsonFormatter(logging.Formatter):
    """One line of JSON per record."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": scrub(record.getMessage()),
        }
        for name, value in vars(record).items():
            if name in _STANDARD or name.startswith("_"):
                continue
            if value is None:
                continue
            line[name] = (
                MASK
                if _SECRET_NAME.search(name)
                else (value if isinstance(value, (int, float, bool)) else scrub(str(value)))
            )
        if record.exc_info:
            line["error"] = scrub(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False)


class ContextFilter(logging.Filter):
    """Adds the request id, and the session id when a `session_id` provider is given (the Streamlit apps)."""

    def __init__(self, session_id: Callable[[], str | None] | None = None) -> None:
        super().__init__()
        self.session_id = session_id

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = request_id.get()
        if self.session_id is not None and getattr(record, "session_id", None) is None:
            try:
                record.session_id = self.session_id()
            except Exception:  # a log line is never worth a failure
                record.session_id = None
        return True


def configure(
    level: str | None = None, session_id: Callable[[], str | None] | None = None, stream: TextIO | None = None
) -> logging.Handler:
    """Route every logger of the process (the project's, SQLAlchemy's, the web server's) to one JSON handler on
    stdout. Safe to call again: the handler is replaced, never doubled."""
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(ContextFilter(session_id))
    handler.teplo = True  # type: ignore[attr-defined]
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "teplo", False)]:
        root.removeHandler(old)
    root.addHandler(handler)
    if not level:
        from core.config import settings

        level = settings().log_level
    root.setLevel(level.upper())
    logging.getLogger("alembic").setLevel(logging.WARNING)  # its plugin set-up chatter on every start
    return handler


def new_request_id(header: str | None) -> str:
    """The proxy's request id when it is a plain token (nginx's $request_id), else a fresh one."""
    if header and re.fullmatch(r"[A-Za-z0-9._-]{8,64}", header):
        return header
    import secrets

    return secrets.token_hex(16)
