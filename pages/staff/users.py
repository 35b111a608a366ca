"""Staff users and roles (admin): list, create, change role, deactivate, reset password."""

import streamlit as st

from core.errors import DomainError
from core.staff import ROLES, create_staff_user, list_staff_users, update_staff_user
from ui.plain import md
from ui.resources import sessions
from ui.staff_access import ROLE_NAMES, require_role

user = require_role("users")
st.title("Користувачі та ролі")
st.caption("Адміністратор — усе; керівник — огляд, показання, оплати, звірка, донарахування, пошук; аналітик — огляд, "
           "показання, оплати, звірка, дослідження даних, пошук; оператор — імпорт, пошук, донарахування (перегляд).")

people = list_staff_users(sessions())
st.dataframe([{"Користувач": p.username, "Ім'я": p.full_name, "Роль": ROLE_NAMES[p.role],
               "Активний": "так" if p.active else "ні"} for p in people], hide_index=True)

left, right = st.columns(2)
with left, st.form("create_user", clear_on_submit=True):
    st.subheader("Новий користувач")
    username = st.text_input("Ім'я користувача (латиницею)")
    full_name = st.text_input("Прізвище та ім'я")
    # No default: a role is a deliberate choice, never an administrator by omission.
    role = st.selectbox("Роль", ROLES, index=None, format_func=lambda r: ROLE_NAMES.get(r, r), placeholder="Оберіть роль")
    password = st.text_input("Початковий пароль (щонайменше 8 символів)", type="password")
    if st.form_submit_button("Створити", type="primary"):
        if role is None:
            st.error("Оберіть роль нового користувача.")
        else:
            try:
                created = create_staff_user(sessions(), username, password, role, full_name, actor=user.username)
            except DomainError as error:
                st.error(error.message("uk"))
            else:
                st.success(f"Користувача {md(created.username)} створено.")

with right:
    st.subheader("Змінити користувача")
    person = st.selectbox("Користувач", people, format_func=lambda p: f"{p.username} ({ROLE_NAMES[p.role]})")
with right, st.form("update_user"):
    current = ROLES.index(person.role) if person else 0
    new_role = st.selectbox("Роль", ROLES, index=current, format_func=lambda r: ROLE_NAMES.get(r, r))
    active = st.checkbox("Активний", value=person.active if person else True)
    new_password = st.text_input("Новий пароль (порожньо — не змінювати)", type="password")
    if st.form_submit_button("Зберегти") and person is not None:
        if person.id == user.id and (new_role != "admin" or not active):
            st.error("Не можна зняти роль адміністратора чи деактивувати самого себе.")
        else:
            try:
                update_staff_user(sessions(), person.id, role=new_role, active=active,
                                  password=new_password or None, actor=user.username)
            except DomainError as error:
                st.error(error.message("uk"))
            else:
                st.success(f"Зміни для {md(person.username)} збережено.")
