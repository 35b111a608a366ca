"""Profile: the login, its accounts, a new password, the language, e-mail reminders, logging out."""

import streamlit as st

from core import formatting
from core.consumers import change_password, login_profile, set_language
from core.errors import DomainError
from core.reminders import reminder_state, set_reminders
from ui.public_session import accounts, current_token, language, require_login, sign_out, tr
from ui.public_text import LANGUAGE_NAMES
from ui.resources import sessions

lang = language()
login_id = require_login()
login, _saved_language = login_profile(sessions(), login_id)

st.title(tr("profile.title"), anchor=False)
st.text(tr("profile.login", login=login))
st.markdown(f"**{tr('profile.accounts')}**")
for account in accounts():
    st.text(f"• {account.number} — {account.address}")
st.page_link("pages/public/add_account.py", label=tr("nav.add_account"), icon=":material/add_home:")

st.subheader(tr("profile.password"), anchor=False)
with st.form("password", clear_on_submit=True):
    current = st.text_input(tr("profile.current"), type="password")
    new = st.text_input(tr("profile.new"), type="password")
    repeated = st.text_input(tr("profile.new2"), type="password")
    outcome = st.empty()
    if st.form_submit_button(tr("profile.save_password"), width="stretch"):
        try:
            change_password(sessions(), login_id, current, new, repeated, keep_session=current_token())
        except DomainError as error:
            outcome.error(error.message(lang))
        else:
            outcome.success(tr("profile.password_changed"))

st.subheader(tr("profile.language"), anchor=False)
with st.form("language"):
    choice = st.radio(
        tr("profile.language"),
        list(LANGUAGE_NAMES),
        index=list(LANGUAGE_NAMES).index(lang),
        format_func=LANGUAGE_NAMES.get,
        horizontal=True,
        label_visibility="collapsed",
    )
    if st.form_submit_button(tr("profile.save_language"), width="stretch"):
        set_language(sessions(), login_id, choice)
        st.session_state["lang"] = choice
        st.session_state["lang_chosen"] = True
        st.session_state["flash_profile"] = True
        st.rerun()
if st.session_state.pop("flash_profile", False):
    st.success(tr("profile.language_saved"))

st.subheader(tr("profile.reminders"), anchor=False)
reminders = reminder_state(sessions(), login_id)
if not reminders.email:
    st.info(DomainError("reminders.phone_login").message(lang), icon=":material/mail:")
else:
    with st.form("reminders"):
        wanted = st.checkbox(
            tr("profile.reminders_label", email=reminders.login), value=reminders.consented_at is not None
        )
        st.caption(tr("profile.reminders_help"))
        if st.form_submit_button(tr("profile.save_reminders"), width="stretch"):
            try:
                set_reminders(sessions(), login_id, wanted)
            except DomainError as error:
                st.error(error.message(lang))
            else:
                st.session_state["flash_reminders"] = "on" if wanted else "off"
                st.rerun()
    flash = st.session_state.pop("flash_reminders", None)
    if flash:
        st.success(tr(f"profile.reminders_{flash}"))
    if reminders.consented_at is not None:
        st.caption(tr("profile.reminders_since", at=formatting.datetime(reminders.consented_at, lang)))

st.divider()
if st.button(tr("logout"), icon=":material/logout:", width="stretch"):
    sign_out()
    st.switch_page("pages/public/login.py")
