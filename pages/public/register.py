"""Registration: the account number proven by the last payment (or, with no payments yet, the meter number)."""

import streamlit as st

from core.consumers import ProofAndPassword, register
from core.errors import DomainError
from ui.public_forms import proof_and_password_form, receipt_help
from ui.public_session import current_login_id, language, sign_in, tr
from ui.resources import sessions

if current_login_id() is not None:  # a second flat is added from the cabinet, not by a new registration
    st.switch_page("pages/public/add_account.py")

st.title(tr("register.title"), anchor=False)
st.write(tr("register.intro"))
receipt_help()

form = proof_and_password_form("register", texts="register")
if form.submitted:
    try:
        login_id = register(sessions(), ProofAndPassword(**form.fields(), language=language()))
    except DomainError as error:
        form.problem.error(error.message(language()))
    else:
        sign_in(login_id)
        st.session_state["welcome"] = True
        st.switch_page("pages/public/account.py")

st.write(tr("register.have_login"))
st.page_link("pages/public/login.py", label=tr("register.to_login"), icon=":material/login:")
