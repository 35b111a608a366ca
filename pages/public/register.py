"""Registration: the account number proven by the last payment (or, with no payments yet, the meter number)."""

import streamlit as st

from core.consumers import register
from core.errors import DomainError
from ui.public_forms import proof_fields, proof_method, receipt_help
from ui.public_session import current_login_id, language, sign_in, tr
from ui.resources import sessions

if current_login_id() is not None:  # a second flat is added from the cabinet, not by a new registration
    st.switch_page("pages/public/add_account.py")

st.title(tr("register.title"), anchor=False)
st.write(tr("register.intro"))
receipt_help()

method = proof_method("register_method")
with st.form("register"):
    proof = proof_fields(method)
    login = st.text_input(tr("register.login"), placeholder="+380671234567", help=tr("login.login_help"))
    password = st.text_input(tr("register.password"), type="password")
    password_repeated = st.text_input(tr("register.password2"), type="password")
    problem = st.empty()  # right above the button, where the eye is after the click
    submitted = st.form_submit_button(tr("register.submit"), type="primary", width="stretch")

if submitted:
    try:
        login_id = register(
            sessions(), account_number=proof.account_number, last_payment=proof.last_payment,
            meter_serial=proof.meter_serial, login=login, password=password, password_repeated=password_repeated,
            language=language(),
        )
    except DomainError as error:
        problem.error(error.message(language()))
    else:
        sign_in(login_id, next_path="/?welcome=1")
        st.session_state["welcome"] = True
        st.switch_page("pages/public/account.py")

st.write(tr("register.have_login"))
st.page_link("pages/public/login.py", label=tr("register.to_login"), icon=":material/login:")
