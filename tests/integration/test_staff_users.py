"""Staff users: Argon2 hashes, roles, throttled logins, deactivation takes effect at once."""

import pytest
from sqlalchemy import select

from core import staff
from core.errors import DomainError, Locked, VerificationFailed
from db.models import StaffUser
from tests.conftest import kyiv

NOW = kyiv(2020, 3, 2, 10)


def test_create_and_authenticate(sessions):
    user = staff.create_staff_user(sessions, "Olena", "довга-фраза-2020", "manager", "Олена Ковальчук", now=NOW)
    assert user.username == "olena"
    with sessions() as s:
        assert s.scalar(select(StaffUser.password_hash)).startswith("$argon2id$")
    assert staff.authenticate_staff(sessions, "olena", "довга-фраза-2020", now=NOW).role == "manager"


def test_bad_inputs(sessions):
    staff.create_staff_user(sessions, "olena", "довга-фраза-2020", "manager", now=NOW)
    for username, password, role, key in [
        ("olena", "довга-фраза-2020", "admin", "staff.username_taken"),
        ("o", "довга-фраза-2020", "admin", "staff.username_format"),
        ("petro", "довга-фраза-2020", "boss", "staff.role_unknown"),
        ("petro", "12345678", "admin", "password.common"),
    ]:
        with pytest.raises(DomainError) as err:
            staff.create_staff_user(sessions, username, password, role, now=NOW)
        assert err.value.key == key


def test_throttle_and_deactivation(sessions):
    user = staff.create_staff_user(sessions, "olena", "довга-фраза-2020", "analyst", now=NOW)
    for _ in range(5):
        with pytest.raises(VerificationFailed):
            staff.authenticate_staff(sessions, "olena", "wrong", now=NOW)
    with pytest.raises(Locked):
        staff.authenticate_staff(sessions, "olena", "довга-фраза-2020", now=NOW)
    staff.update_staff_user(sessions, user.id, active=False, actor="admin", now=NOW)
    assert staff.get_staff_user(sessions, user.id) is None
