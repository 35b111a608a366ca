"""Staff login: username and password; failures are throttled in the database."""

import streamlit as st

from core.errors import DomainError
from ui import staff_access
from ui.staff_text import language, tr
from ui.staff_view import load_chart_code

st.title(tr("staff.app_title"))
st.caption(tr("staff.login.intro"))

with st.form("staff_login"):
    # Keyed: what was typed stays through a switch of the staff language (an id from the label would not).
    username = st.text_input(tr("staff.login.username"), autocomplete="username", key="staff_login_username")
    password = st.text_input(
        tr("staff.login.password"), type="password", autocomplete="current-password", key="staff_login_password"
    )
    submitted = st.form_submit_button(tr("staff.login.submit"), type="primary")

if submitted:
    try:
        staff_access.sign_in(username, password)
    except DomainError as error:
        st.error(error.message(language()))
    else:
        st.rerun()
load_chart_code()
