"""Add a further personal account (a second flat) to the login, with the same proof as registration."""

import streamlit as st

from core.consumers import add_account, linked_accounts
from core.errors import DomainError
from core.parsing import parse_account_number
from ui.public_forms import proof_fields, proof_method, receipt_help
from ui.public_session import language, require_login, select_account, tr
from ui.resources import sessions

login_id = require_login()
st.title(tr("add.title"), anchor=False)
st.write(tr("add.intro"))
receipt_help()

method = proof_method("add_method")
with st.form("add_account"):  # kept after a refusal, for the next try; a success leaves the page
    proof = proof_fields(method)
    problem = st.empty()  # right above the button, where the eye is after the click
    submitted = st.form_submit_button(tr("add.submit"), type="primary", width="stretch")

if submitted:
    try:
        add_account(
            sessions(),
            login_id,
            account_number=proof.account_number,
            last_payment=proof.last_payment,
            meter_serial=proof.meter_serial,
            language=language(),
        )
    except DomainError as error:
        problem.error(error.message(language()))
    else:
        number = parse_account_number(proof.account_number)
        added = next(a for a in linked_accounts(sessions(), login_id) if a.number == number)
        select_account(added.account_id)
        st.session_state["flash"] = tr("add.done", number=number)
        st.switch_page("pages/public/account.py")
