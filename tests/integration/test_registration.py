"""DESIGN rules 2-3 and the throttle, on SQLite and PostgreSQL."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from core import consumers
from core.errors import DomainError, Locked, VerificationFailed
from db.models import ConsumerLogin, FailedAttempt, Meter
from tests.conftest import kyiv, register_consumer

NOW = kyiv(2020, 3, 2, 10)


def register(sessions, amount=None, meter=None, login="+380671234567", number="1120200001000", now=NOW):
    return register_consumer(sessions, login, number=number, amount=amount, meter=meter, now=now)


def logins(sessions) -> int:
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(ConsumerLogin))


@pytest.mark.parametrize("amount", ["1866,66", "1866.66", "1 866,66"])
def test_registers_with_last_heating_payment(seed_world, sessions, amount):
    _world, account = seed_world
    login_id = register(sessions, amount)
    assert [a.account_id for a in consumers.linked_accounts(sessions, login_id)] == [account]


def test_registers_with_last_hot_water_payment(seed_world, sessions):
    assert register(sessions, "412,37")


@pytest.mark.parametrize("amount", ["2279,03", "1500,00", "1866,67", "1866,65", "2222,22"])
def test_refuses_summed_older_or_off_by_a_kopeck(seed_world, sessions, amount):
    # 2279,03 = 1866,66 + 412,37 (summed); 1500,00 is an older heating payment; 2222,22 the charge before discount.
    with pytest.raises(VerificationFailed) as err:
        register(sessions, amount)
    assert err.value.key == "registration.failed"
    assert logins(sessions) == 0


def test_unknown_account_gets_the_same_message_as_a_wrong_amount(seed_world, sessions):
    with pytest.raises(VerificationFailed) as unknown:
        register(sessions, "1866,66", number="1120200009999")
    with pytest.raises(VerificationFailed) as wrong:
        register(sessions, "1,00")
    assert unknown.value.message("uk") == wrong.value.message("uk")


def test_meter_registration_for_account_without_payments(world, sessions):
    account = world.account("1120200001017")
    world.meter(account, serial="2611017")
    login_id = register(sessions, meter=" 2611017 ", number="1120200001017")
    assert consumers.linked_accounts(sessions, login_id)[0].number == "1120200001017"


def test_meter_registration_refused_for_account_with_payments(seed_world, sessions):
    with pytest.raises(DomainError) as err:
        register(sessions, meter="0812345")
    assert err.value.key == "registration.meter_not_allowed"
    assert "останнього платежу" in err.value.message("uk")
    assert logins(sessions) == 0


def test_wrong_meter_is_a_plain_failure(world, sessions):
    account = world.account("1120200001017")
    world.meter(account, serial="2611017")
    with pytest.raises(VerificationFailed):
        register(sessions, meter="9999999", number="1120200001017")


def test_a_removed_meter_no_longer_proves_ownership(world, sessions):
    account = world.account("1120200001017")
    old = world.meter(account, serial="2611017", installed=dt.date(2015, 1, 1))
    world.meter(account, serial="2611018", installed=dt.date(2020, 1, 15))
    with sessions.begin() as s:
        s.get(Meter, old).removed_on = dt.date(2020, 1, 15)
    with pytest.raises(VerificationFailed):
        register(sessions, meter="2611017", number="1120200001017")
    assert logins(sessions) == 0
    assert register(sessions, meter="2611018", number="1120200001017")


def test_five_failures_lock_even_the_right_amount_and_the_lock_expires(seed_world, sessions):
    for _ in range(5):
        with pytest.raises(VerificationFailed):
            register(sessions, "1,00")
    with pytest.raises(Locked) as err:
        register(sessions, "1866,66")
    assert "хв" in err.value.message("uk")
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(FailedAttempt).where(FailedAttempt.outcome == "failed")) == 5
    assert register(sessions, "1866,66", now=NOW + dt.timedelta(minutes=16))


def test_throttle_is_per_account_and_survives_a_new_process(seed_world, engine):
    from db.engine import make_sessions

    world, _ = seed_world
    world.account("1120200001001", address="вул. Гулака-Артемовського, 20, кв. 2")
    for _ in range(5):
        with pytest.raises(VerificationFailed):
            register(make_sessions(engine), "1,00")
    with pytest.raises(Locked):
        register(make_sessions(engine), "1866,66")
    with pytest.raises(VerificationFailed):  # another account is not locked
        register(make_sessions(engine), "1,00", number="1120200001001")


def test_login_taken_weak_password_and_mismatch(seed_world, sessions):
    register(sessions, "1866,66")
    with pytest.raises(DomainError) as taken:
        register(sessions, "412,37", login="067 123 45 67")
    assert taken.value.key == "login.taken"
    with pytest.raises(DomainError) as weak:
        register_consumer(sessions, "a@b.ua", amount="412,37", password="password", now=NOW)
    assert weak.value.key in {"password.common", "password.too_short"}
    with pytest.raises(DomainError) as mismatch:
        consumers.register(
            sessions,
            consumers.ProofAndPassword(
                account_number="1120200001000",
                login="a@b.ua",
                password="тепла-зима-2020",
                password_repeated="тепла-зима-2021",
                last_payment="412,37",
            ),
            now=NOW,
        )
    assert mismatch.value.key == "password.mismatch"
    assert logins(sessions) == 1


def test_add_second_account_with_same_proof(seed_world, sessions):
    world, _ = seed_world
    second = world.account("1120200001001", address="вул. Гулака-Артемовського, 20, кв. 2")
    world.payment(second, "heating", "999.99", kyiv(2020, 2, 1))
    login_id = register(sessions, "1866,66")
    with pytest.raises(VerificationFailed):
        consumers.add_account(sessions, login_id, account_number="1120200001001", last_payment="1866,66", now=NOW)
    consumers.add_account(sessions, login_id, account_number="1120200001001", last_payment="999,99", now=NOW)
    assert [a.number for a in consumers.linked_accounts(sessions, login_id)] == ["1120200001000", "1120200001001"]
    with pytest.raises(DomainError) as again:
        consumers.add_account(sessions, login_id, account_number="1120200001001", last_payment="999,99", now=NOW)
    assert again.value.key == "registration.already_linked"


def test_login_and_throttle(seed_world, sessions):
    login_id = register(sessions, "1866,66")
    assert consumers.authenticate(sessions, "0671234567", "тепла-зима-2020", now=NOW) == login_id
    for _ in range(5):
        with pytest.raises(VerificationFailed):
            consumers.authenticate(sessions, "+380671234567", "wrong", now=NOW)
    with pytest.raises(Locked):
        consumers.authenticate(sessions, "+380671234567", "тепла-зима-2020", now=NOW)
    with pytest.raises(VerificationFailed) as unknown:
        consumers.authenticate(sessions, "nobody@example.com", "тепла-зима-2020", now=NOW)
    assert unknown.value.key == "login.failed"


def test_change_password(seed_world, sessions):
    login_id = register(sessions, "1866,66")
    with pytest.raises(DomainError):
        consumers.change_password(sessions, login_id, "wrong-current", "нова-фраза-2021", "нова-фраза-2021")
    consumers.change_password(sessions, login_id, "тепла-зима-2020", "нова-фраза-2021", "нова-фраза-2021")
    assert consumers.authenticate(sessions, "+380671234567", "нова-фраза-2021", now=NOW) == login_id


def test_any_single_payment_of_the_last_payment_day_registers(seed_world, sessions):
    """Two heating payments on the same bank date (a bare date in the registry: both at noon): either one is the
    last payment; the one from the day before, and their sum, are not."""
    world, account = seed_world
    world.payment(account, "heating", "1000.00", kyiv(2020, 2, 20, 12), ref="day-1")
    world.payment(account, "heating", "900.00", kyiv(2020, 2, 20, 12), ref="day-2")
    world.payment(account, "heating", "250.00", kyiv(2020, 2, 20, 9), ref="day-3")
    for amount in ("1866,66", "1900,00", "2150,00"):  # the day before; 1000 + 900; 1000 + 900 + 250
        with pytest.raises(VerificationFailed):
            register(sessions, amount, login=f"{amount}@example.com")
    assert register(sessions, "1000,00", login="a@example.com")
    assert register(sessions, "900,00", login="b@example.com")
    assert register(sessions, "250,00", login="c@example.com")
    assert register(sessions, "412,37", login="d@example.com")  # the other service's last payment still counts
