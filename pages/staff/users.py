"""Staff users and roles (admin): list, create, change role, deactivate, reset password."""

import streamlit as st

from core.errors import DomainError
from core.staff import ROLES, create_staff_user, list_staff_users, update_staff_user
from ui import staff_view as view
from ui.plain import md
from ui.resources import sessions
from ui.staff_access import ROLE_NAMES, require_role
from ui.staff_text import language, tr

user = require_role("users")
st.title(tr("staff.users.title"))
st.caption(tr("staff.users.roles"))

people = list_staff_users(sessions())
st.dataframe(
    [
        {
            tr("staff.users.user"): p.username,
            tr("staff.users.name"): p.full_name,
            tr("staff.users.role"): ROLE_NAMES[p.role],
            tr("staff.users.active"): tr("staff.yes") if p.active else tr("staff.no"),
        }
        for p in people
    ],
    hide_index=True,
)

left, right = st.columns(2)
with left, st.form("create_user", clear_on_submit=True):
    st.subheader(tr("staff.users.new"))
    username = st.text_input(tr("staff.users.username"), key="new_user_username")
    full_name = st.text_input(tr("staff.users.full_name"), key="new_user_full_name")
    # No default: a role is a deliberate choice, never an administrator by omission.
    role = st.selectbox(
        tr("staff.users.role"),
        ROLES,
        index=None,
        format_func=lambda code: ROLE_NAMES[code],
        placeholder=tr("staff.users.choose_role"),
        key="new_user_role",
    )
    password = st.text_input(tr("staff.users.password"), type="password", key="new_user_password")
    if st.form_submit_button(tr("staff.create"), type="primary"):
        if role is None:
            st.error(tr("staff.users.role_required"))
        else:
            try:
                created = create_staff_user(sessions(), username, password, role, full_name, actor=user.username)
            except DomainError as error:
                st.error(error.message(language()))
            else:
                st.success(tr("staff.users.created", username=md(created.username)))

with right:
    st.subheader(tr("staff.users.change"))
    view.kept_option("user_chosen", people, lambda p: p.id)  # through a switch of the staff language too
    person = st.selectbox(
        tr("staff.users.user"), people, format_func=lambda p: f"{p.username} ({ROLE_NAMES[p.role]})", key="user_chosen"
    )
with right, st.form("update_user"):
    role_index = ROLES.index(person.role) if person else 0
    # Keyed by the user: another user's form starts from that user's role and state.
    for_whom = person.id if person else None
    new_role = st.selectbox(
        tr("staff.users.role"),
        ROLES,
        index=role_index,
        format_func=lambda code: ROLE_NAMES[code],
        key=f"user_role_{for_whom}",
    )
    active = st.checkbox(
        tr("staff.users.active"), value=person.active if person else True, key=f"user_active_{for_whom}"
    )
    new_password = st.text_input(tr("staff.users.new_password"), type="password", key=f"user_password_{for_whom}")
    if st.form_submit_button(tr("staff.save")) and person is not None:
        if person.id == user.id and (new_role != "admin" or not active):
            st.error(tr("staff.users.not_yourself"))
        else:
            try:
                update_staff_user(
                    sessions(),
                    person.id,
                    role=new_role,
                    active=active,
                    password=new_password or None,
                    actor=user.username,
                )
            except DomainError as error:
                st.error(error.message(language()))
            else:
                st.success(tr("staff.users.saved", username=md(person.username)))
