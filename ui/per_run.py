"""Values read once per script run of a tab, however many times the run asks for them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import streamlit as st
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

T = TypeVar("T")


def once_per_run(key: str, produce: Callable[[], T], tag: Any = None) -> T:
    """`produce()` on the run's first call, then the same value for the rest of that run, kept in the tab's state
    under `key` with the run it belongs to (and `tag`: a different tag, such as another user id, produces anew).
    Outside a script run (a deferred download, a test's bare call) it is produced every time."""
    run = getattr(get_script_run_ctx(), "parallel_coordinator", None)  # a new object on every script run
    if run is None:
        return produce()
    held = st.session_state.get(key)
    if held is not None and held[0] is run and held[1] == tag:
        return held[2]
    value = produce()
    st.session_state[key] = (run, tag, value)
    return value
