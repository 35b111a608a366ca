"""Reading windows (admin): the list, a new window, new dates for an existing one."""

import datetime as dt
from collections.abc import Callable

import streamlit as st

from core import clock
from core.clock import kyiv_midnight, month_start
from core.errors import DomainError
from core.windows import change_window, create_window, default_bounds
from ui import staff_data
from ui import staff_view as view
from ui.resources import sessions
from ui.staff_access import require_role
from ui.staff_text import language, tr

user = require_role("windows")
st.title(tr("staff.windows.title"))
st.caption(tr("staff.windows.intro"))

now = clock.now()
windows = staff_data.reading_windows()


def status(window) -> str:
    if window.processed_at:
        return tr("staff.windows.processed")
    if window.is_open(now):
        return tr("staff.overview.open")
    return tr("staff.overview.closed") if window.closes_at <= now else tr("staff.windows.future")


st.dataframe(
    [
        {
            tr("staff.month"): view.month_label(w.period),
            tr("staff.windows.first_day"): view.date(w.first_day),
            tr("staff.windows.last_day"): view.date(w.last_day),
            tr("staff.col.state"): status(w),
        }
        for w in windows[:24]
    ],
    hide_index=True,
)


def saved(save: Callable[[], object], done: str) -> None:
    """Run the form's change: its refusal shown as an error, or the dashboard's data refreshed and `done` shown."""
    try:
        save()
    except DomainError as error:
        st.error(error.message(language()))
    else:
        staff_data.clear()
        st.success(done)


left, right = st.columns(2)
with left:
    st.subheader(tr("staff.windows.new"))
    month = st.date_input(tr("staff.windows.month"), value=clock.today(), format="DD.MM.YYYY", key="window_month")
    default_open, default_close = default_bounds(month)
with left, st.form("create_window"):
    # Keyed by the month: another month starts from its own default days.
    first_day = st.date_input(
        tr("staff.windows.first_day"),
        value=default_open.astimezone(clock.KYIV).date(),
        format="DD.MM.YYYY",
        key=f"window_first_day_{month}",
    )
    last_day = st.date_input(
        tr("staff.windows.last_day"),
        value=(default_close - dt.timedelta(days=1)).astimezone(clock.KYIV).date(),
        format="DD.MM.YYYY",
        key=f"window_last_day_{month}",
    )
    if st.form_submit_button(tr("staff.create"), type="primary"):
        opens, closes = kyiv_midnight(first_day), kyiv_midnight(last_day + dt.timedelta(days=1))
        saved(
            lambda: create_window(sessions(), month_start(month), opens, closes, actor=user.username),
            tr("staff.windows.created", month=view.month_label(month_start(month))),
        )

with right:
    st.subheader(tr("staff.windows.change"))
    view.kept_option("window_chosen", windows[:24], lambda w: w.id)  # through a switch of the language too
    chosen = st.selectbox(
        tr("staff.period"), windows[:24], format_func=lambda w: view.month_label(w.period), key="window_chosen"
    )
with right, st.form("change_window"):
    # Keyed by the window: another window starts from its own days.
    new_first = st.date_input(
        tr("staff.windows.first_day"),
        value=chosen.first_day if chosen else None,
        format="DD.MM.YYYY",
        key=f"window_new_first_{chosen.id if chosen else None}",
    )
    new_last = st.date_input(
        tr("staff.windows.last_day"),
        value=chosen.last_day if chosen else None,
        format="DD.MM.YYYY",
        key=f"window_new_last_{chosen.id if chosen else None}",
    )
    if st.form_submit_button(tr("staff.save")) and chosen is not None:
        assert new_first is not None and new_last is not None  # both start from the chosen window's dates
        opens, closes = kyiv_midnight(new_first), kyiv_midnight(new_last + dt.timedelta(days=1))
        window_id = chosen.id
        saved(
            lambda: change_window(sessions(), window_id, opens, closes, actor=user.username),
            tr("staff.windows.changed"),
        )
