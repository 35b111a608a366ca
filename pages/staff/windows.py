"""Reading windows (admin): the list, a new window, new dates for an existing one."""

import datetime as dt

import streamlit as st

from core import clock
from core.clock import kyiv_midnight, month_start
from core.errors import DomainError
from core.windows import change_window, create_window, default_bounds
from ui import staff_data, staff_view as view
from ui.resources import sessions
from ui.staff_access import require_role

user = require_role("windows")
st.title("Періоди подачі показань")
st.caption("Показання приймаються з першого до останнього дня включно (за київським часом).")

now = clock.now()
windows = staff_data.reading_windows()


def status(window) -> str:
    if window.processed_at:
        return "оброблено"
    if window.is_open(now):
        return "відкритий"
    return "закритий" if window.closes_at <= now else "майбутній"


st.dataframe([{"Місяць": view.month_label(w.period), "Перший день": view.date(w.first_day),
               "Останній день": view.date(w.last_day), "Стан": status(w)} for w in windows[:24]], hide_index=True)

left, right = st.columns(2)
with left:
    st.subheader("Новий період")
    month = st.date_input("Місяць (будь-який день місяця)", value=clock.today(), format="DD.MM.YYYY")
    default_open, default_close = default_bounds(month)
with left, st.form("create_window"):
    first_day = st.date_input("Перший день", value=default_open.astimezone(clock.KYIV).date(), format="DD.MM.YYYY")
    last_day = st.date_input("Останній день", value=(default_close - dt.timedelta(days=1)).astimezone(clock.KYIV).date(),
                             format="DD.MM.YYYY")
    if st.form_submit_button("Створити", type="primary"):
        try:
            create_window(sessions(), month_start(month), kyiv_midnight(first_day),
                          kyiv_midnight(last_day + dt.timedelta(days=1)), actor=user.username)
        except DomainError as error:
            st.error(error.message("uk"))
        else:
            staff_data.clear()
            st.success(f"Період за {view.month_label(month_start(month))} створено.")

with right:
    st.subheader("Змінити дати")
    chosen = st.selectbox("Період", windows[:24], format_func=lambda w: view.month_label(w.period))
with right, st.form("change_window"):
    new_first = st.date_input("Перший день", value=chosen.first_day if chosen else None, format="DD.MM.YYYY")
    new_last = st.date_input("Останній день", value=chosen.last_day if chosen else None, format="DD.MM.YYYY")
    if st.form_submit_button("Зберегти") and chosen is not None and new_first is not None and new_last is not None:
        try:
            change_window(sessions(), chosen.id, kyiv_midnight(new_first),
                          kyiv_midnight(new_last + dt.timedelta(days=1)), actor=user.username)
        except DomainError as error:
            st.error(error.message("uk"))
        else:
            staff_data.clear()
            st.success("Дати змінено.")
