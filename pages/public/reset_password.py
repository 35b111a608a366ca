"""Forgotten password: prove an account of the login again (as at registration), then set a new password."""

import streamlit as st

from core.consumers import ProofAndPassword
from core.errors import DomainError
from core.password_reset import reset_password
from ui.public_forms import proof_and_password_form
from ui.public_session import current_login_id, language, tr
from ui.resources import sessions

if current_login_id() is not None:  # a logged-in consumer changes the password on Profile
    st.switch_page("pages/public/profile.py")

st.title(tr("reset.title"), anchor=False)
st.write(tr("reset.intro"))

form = proof_and_password_form("reset_password", texts="reset")
if form.submitted:
    try:
        reset_password(sessions(), ProofAndPassword(**form.fields(), language=language()))
    except DomainError as error:
        form.problem.error(error.message(language()))
    else:
        form.problem.success(tr("reset.done"))

st.page_link("pages/public/login.py", label=tr("reset.to_login"), icon=":material/login:")
