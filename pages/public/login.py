"""Log in with a phone or e-mail and a password."""

import streamlit as st

from core.consumers import authenticate
from core.errors import DomainError
from ui.public_session import current_login_id, language, sign_in, tr
from ui.resources import sessions

if current_login_id() is not None:
    st.switch_page("pages/public/account.py")

st.title(tr("login.title"), anchor=False)
if st.session_state.pop("login_required", False):
    st.info(tr("please_login"))

with st.form("login"):
    login = st.text_input(tr("login.login"), placeholder="+380671234567", help=tr("login.login_help"))
    password = st.text_input(tr("login.password"), type="password")
    problem = st.empty()  # right above the button, where the eye is after the click
    submitted = st.form_submit_button(tr("login.submit"), type="primary", width="stretch")

if submitted:
    try:
        login_id = authenticate(sessions(), login, password)
    except DomainError as error:
        problem.error(error.message(language()))
    else:
        sign_in(login_id)
        st.switch_page(st.session_state.pop("after_login", "pages/public/account.py"))  # a bookmark, or my account

st.page_link("pages/public/reset_password.py", label=tr("login.forgot"), icon=":material/lock_reset:")
st.write(tr("login.no_account"))
st.page_link("pages/public/register.py", label=tr("login.to_register"), icon=":material/person_add:")
