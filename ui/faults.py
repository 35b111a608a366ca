"""What a visitor sees when something fails under a page: a short message in their language inside the normal
page (the header and the menu stay), never a traceback, a file path or an exception's text.

The database being unreachable (a restart, a failover, the network) is told apart from everything else: it is
temporary, and the next click works again once the database answers (the engine pings pooled connections before
use, db/engine.py). Every fault is logged in full on the server.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

import streamlit as st
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from core.i18n import N_
from ui.public_text import text

LOG = logging.getLogger("teplo.faults")
T = TypeVar("T")


def database_unavailable(error: BaseException) -> bool:
    """The database could not be reached or dropped the connection (as opposed to a bug or bad data)."""
    if isinstance(error, (OperationalError, InterfaceError, PoolTimeout)):
        return True
    return isinstance(error, DBAPIError) and bool(error.connection_invalidated)


def message(error: BaseException, lang: str | None = None) -> str:
    lang = lang or st.session_state.get("lang", "uk")
    return text(N_("fault.unavailable") if database_unavailable(error) else N_("fault.unexpected"), lang)


def show(error: BaseException, lang: str | None = None) -> None:
    """Log the fault in full for the operators and tell the visitor in one sentence."""
    if database_unavailable(error):
        LOG.warning("database unavailable: %s", error.__class__.__name__, exc_info=error)
    else:
        LOG.error("unexpected error under a page", exc_info=error)
    st.error(message(error, lang), icon=":material/cloud_off:")


def run(action: Callable[..., T], *args: object, quiet: bool = False, lang: str | None = None) -> bool:
    """Run a page or a part of one; on a fault show the message (or, quiet, only log it) and return False.
    st.stop(), st.rerun() and st.switch_page() are not faults: they pass through (they are BaseExceptions)."""
    try:
        action(*args)
    except Exception as error:  # noqa: BLE001 - the visitor gets a sentence, the log gets the traceback
        if quiet:
            LOG.warning(
                "fault while %s: %s", getattr(action, "__name__", "a step"), error.__class__.__name__, exc_info=error
            )
        else:
            show(error, lang)
        return False
    return True


def on_script_error(error: Exception) -> bool:
    """st.App's last line of defence (widget callbacks, fragments): the same message, never Streamlit's box."""
    show(error)
    return True
