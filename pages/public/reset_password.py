"""Forgotten password: prove an account of the login again (as at registration), then set a new password."""

import streamlit as st

from core.errors import DomainError
from core.password_reset import reset_password
from ui.public_forms import proof_fields, proof_method
from ui.public_session import current_login_id, language, tr
from ui.resources import sessions

if current_login_id() is not None:  # a logged-in consumer changes the password on Profile
    st.switch_page("pages/public/profile.py")

st.title(tr("reset.title"), anchor=False)
st.write(tr("reset.intro"))

method = proof_method("reset_method")
with st.form("reset_password"):
    proof = proof_fields(method)
    login = st.text_input(tr("reset.login"), placeholder="+380671234567", help=tr("login.login_help"))
    password = st.text_input(tr("reset.password"), type="password")
    password_repeated = st.text_input(tr("reset.password2"), type="password")
    problem = st.empty()  # right above the button, where the eye is after the click
    submitted = st.form_submit_button(tr("reset.submit"), type="primary", width="stretch")

if submitted:
    try:
        reset_password(
            sessions(), account_number=proof.account_number, last_payment=proof.last_payment,
            meter_serial=proof.meter_serial, login=login, password=password, password_repeated=password_repeated,
        )
    except DomainError as error:
        problem.error(error.message(language()))
    else:
        problem.success(tr("reset.done"))

st.page_link("pages/public/login.py", label=tr("reset.to_login"), icon=":material/login:")
