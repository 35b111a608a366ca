"""Staff login: username and password; failures are throttled in the database."""

import streamlit as st

from core.errors import DomainError
from core.staff import authenticate_staff
from ui import staff_access
from ui.resources import sessions

st.title("Панель працівника")
st.caption("Внутрішній застосунок ДКП «Луцьктепло». Увійдіть своїм обліковим записом.")

with st.form("staff_login"):
    username = st.text_input("Ім'я користувача", autocomplete="username")
    password = st.text_input("Пароль", type="password", autocomplete="current-password")
    submitted = st.form_submit_button("Увійти", type="primary")

if submitted:
    try:
        user = authenticate_staff(sessions(), username, password)
    except DomainError as error:
        st.error(error.message("uk"))
    else:
        staff_access.sign_in(user)
        st.rerun()
