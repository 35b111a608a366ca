"""«Новий користувач»: the role is a required choice; leaving the box untouched creates nobody, least of all an admin."""

from __future__ import annotations

from sqlalchemy import func, select

from core.staff import create_staff_user
from db.models import StaffUser
from tests.app.test_staff_pages import PASSWORD, signed_in


def test_a_new_user_needs_a_chosen_role(app_sessions):
    admin = create_staff_user(app_sessions, "admin1", PASSWORD, "admin")
    at = signed_in(admin.id, "pages/staff/users.py")
    role = at.selectbox[0]
    assert role.label == "Роль" and role.value is None  # no role is preselected
    at.text_input[0].input("petro.m")
    at.text_input[1].input("Петро М.")
    at.text_input[2].input("a-long-password-1")
    [b for b in at.button if b.label == "Створити"][0].click().run()
    assert [e.value for e in at.error] == ["Оберіть роль нового користувача."]
    with app_sessions() as s:
        assert s.scalar(select(func.count()).select_from(StaffUser).where(StaffUser.username == "petro.m")) == 0
        assert s.scalar(select(func.count()).select_from(StaffUser).where(StaffUser.role == "admin")) == 1
