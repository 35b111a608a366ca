"""Every login does the same Argon2 work, whatever the account's state; hashes are upgraded on login.

The work is counted (verifications), not timed: an unknown, a deactivated and an active user each cost one
Argon2 verification, so the response time tells an attacker nothing about the account.
"""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select, update

from core import consumers, passwords, staff
from core.errors import VerificationFailed
from db.models import ConsumerLogin, StaffUser
from tests.conftest import kyiv, register_consumer

NOW = kyiv(2020, 3, 2, 10)
PASSWORD = "довга-фраза-2020"
WEAK = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


class CountingHasher(PasswordHasher):
    def __init__(self) -> None:
        super().__init__()
        self.verifications = 0

    def verify(self, hash, password):  # noqa: A002 - argon2's own parameter name
        self.verifications += 1
        return super().verify(hash, password)


@pytest.fixture
def counting(monkeypatch) -> CountingHasher:
    hasher = CountingHasher()
    monkeypatch.setattr(passwords, "_hasher", hasher)
    return hasher


def staff_verifications(sessions, counting, username, password) -> int:
    before = counting.verifications
    with pytest.raises(VerificationFailed) as failure:
        staff.authenticate_staff(sessions, username, password, now=NOW)
    assert failure.value.key == "staff.login_failed"
    return counting.verifications - before


def test_unknown_deactivated_and_wrong_password_do_the_same_work(sessions, counting):
    user = staff.create_staff_user(sessions, "olena", PASSWORD, "analyst", now=NOW)
    staff.create_staff_user(sessions, "petro", PASSWORD, "analyst", now=NOW)
    staff.update_staff_user(sessions, user.id, active=False, actor="admin", now=NOW)
    work = {
        "unknown": staff_verifications(sessions, counting, "nobody", PASSWORD),
        "deactivated": staff_verifications(sessions, counting, "olena", PASSWORD),
        "wrong password": staff_verifications(sessions, counting, "petro", "not-the-password"),
    }
    assert work == {"unknown": 1, "deactivated": 1, "wrong password": 1}


def test_a_deactivated_user_is_refused_even_with_the_right_password(sessions):
    user = staff.create_staff_user(sessions, "olena", PASSWORD, "analyst", now=NOW)
    staff.update_staff_user(sessions, user.id, active=False, actor="admin", now=NOW)
    with pytest.raises(VerificationFailed):
        staff.authenticate_staff(sessions, "olena", PASSWORD, now=NOW)


def test_consumer_login_does_the_same_work_for_an_unknown_login(seed_world, sessions, counting):
    register_consumer(sessions, "+380671234567", password=PASSWORD, now=NOW)
    for login in ("+380671234567", "nobody@example.com"):
        before = counting.verifications
        with pytest.raises(VerificationFailed):
            consumers.authenticate(sessions, login, "not-the-password", now=NOW)
        assert counting.verifications - before == 1


@pytest.mark.production_hashing
def test_staff_hash_with_old_parameters_is_upgraded_on_login(sessions):
    user = staff.create_staff_user(sessions, "olena", PASSWORD, "analyst", now=NOW)
    with sessions.begin() as s:
        s.execute(update(StaffUser).where(StaffUser.id == user.id).values(password_hash=WEAK.hash(PASSWORD)))
    staff.authenticate_staff(sessions, "olena", PASSWORD, now=NOW)
    with sessions() as s:
        stored = s.scalar(select(StaffUser.password_hash).where(StaffUser.id == user.id))
    assert not passwords.needs_rehash(stored) and "m=1024" not in stored
    assert staff.authenticate_staff(sessions, "olena", PASSWORD, now=NOW).id == user.id


@pytest.mark.production_hashing
def test_consumer_hash_with_old_parameters_is_upgraded_on_login(seed_world, sessions):
    login_id = register_consumer(sessions, "+380671234567", password=PASSWORD, now=NOW)
    with sessions.begin() as s:
        s.execute(update(ConsumerLogin).where(ConsumerLogin.id == login_id).values(password_hash=WEAK.hash(PASSWORD)))
    consumers.authenticate(sessions, "+380671234567", PASSWORD, now=NOW)
    with sessions() as s:
        stored = s.scalar(select(ConsumerLogin.password_hash).where(ConsumerLogin.id == login_id))
    assert not passwords.needs_rehash(stored) and "m=1024" not in stored
    assert consumers.authenticate(sessions, "+380671234567", PASSWORD, now=NOW) == login_id
