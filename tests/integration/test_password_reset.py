"""Forgotten password: the registration proof again, the throttle, one message for every failure, sessions ended."""

import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from core import consumer_sessions, consumers, password_reset
from core.errors import DomainError, Locked, VerificationFailed
from db.models import AuditLog, ConsumerLogin, ConsumerSession, FailedAttempt
from tests.conftest import kyiv, register_consumer

NOW = kyiv(2020, 3, 2, 10)
OLD, NEW = "тепла-зима-2020", "весна-прийде-2021"
LOGIN = "olena@example.com"


def register(sessions, number="1120200001000", amount="1866,66", meter=None, login=LOGIN):
    return register_consumer(sessions, login, number=number, amount=amount, meter=meter, password=OLD, now=NOW)


def reset(
    sessions,
    number="1120200001000",
    amount="1866,66",
    meter=None,
    login=LOGIN,
    password=NEW,
    repeated=None,
    now=NOW,
    language="uk",
):
    return password_reset.reset_password(
        sessions,
        consumers.ProofAndPassword(
            account_number=number,
            login=login,
            password=password,
            password_repeated=password if repeated is None else repeated,
            last_payment=amount,
            meter_serial=meter,
            language=language,
        ),
        now=now,
    )


def password_hash(sessions, login=LOGIN) -> str:
    with sessions() as s:
        return s.scalar(select(ConsumerLogin.password_hash).where(ConsumerLogin.login == login))


def can_log_in(sessions, password, login=LOGIN) -> bool:
    try:
        consumers.authenticate(sessions, login, password, now=NOW)
    except VerificationFailed:
        return False
    return True


def test_the_last_payment_and_the_login_set_a_new_password_and_end_every_session(seed_world, sessions):
    login_id = register(sessions)
    tokens = []
    for _ in range(2):  # a phone and a computer
        _token, ticket = consumer_sessions.start(sessions, login_id, browser="phone", now=NOW)
        tokens.append(consumer_sessions.exchange_ticket(sessions, ticket, browser="phone", now=NOW))
    assert all(consumer_sessions.resolve(sessions, t, now=NOW) == login_id for t in tokens)

    assert reset(sessions, amount="412,37") == login_id  # the hot-water payment proves it as well

    assert [consumer_sessions.resolve(sessions, t, now=NOW) for t in tokens] == [None, None]
    assert can_log_in(sessions, NEW) and not can_log_in(sessions, OLD)
    with sessions() as s:
        row = s.scalar(select(AuditLog).where(AuditLog.action == "consumer.password_reset"))
        assert (row.actor, row.entity_id) == (LOGIN, str(login_id))
        details = json.loads(row.details)
        assert details["account"] == "1120200001000" and details["sessions_ended"] == 2
        assert NEW not in (row.details or "") and OLD not in (row.details or "")


def test_in_english_the_last_payment_is_typed_as_in_english_as_at_registration(seed_world, sessions):
    login_id = register(sessions)
    assert reset(sessions, amount="1,866.66", language="en") == login_id
    assert can_log_in(sessions, NEW)


def test_the_meter_proves_an_account_without_payments(world, sessions):
    account = world.account("1120200001017")
    world.meter(account, serial="2611017")
    login_id = register(sessions, number="1120200001017", amount=None, meter="2611017")
    assert reset(sessions, number="1120200001017", amount=None, meter=" 2611017 ") == login_id
    assert can_log_in(sessions, NEW)


def test_the_meter_is_refused_for_an_account_with_payments_as_at_registration(seed_world, sessions):
    register(sessions)
    with pytest.raises(DomainError) as err:
        reset(sessions, amount=None, meter="0812345")
    assert err.value.key == "registration.meter_not_allowed"
    assert can_log_in(sessions, OLD)


@pytest.mark.parametrize("case", ["unknown account", "wrong amount", "unknown login", "account of another login"])
def test_every_failure_says_the_same_and_changes_nothing(seed_world, sessions, case):
    world, _ = seed_world
    other = world.account("1120200002000", address="просп. Волі, 3, кв. 9")
    world.payment(other, "heating", "999.99", kyiv(2020, 2, 20))
    register(sessions)
    register(sessions, number="1120200002000", amount="999,99", login="stranger@example.com")
    before = password_hash(sessions)
    arguments = {
        "unknown account": {"number": "1120200009999"},
        "wrong amount": {"amount": "1,00"},
        "unknown login": {"login": "nobody@example.com"},
        # The stranger's account, proven correctly, does not open Olena's login.
        "account of another login": {"number": "1120200002000", "amount": "999,99"},
    }[case]
    with pytest.raises(VerificationFailed) as err:
        reset(sessions, **arguments)
    assert err.value.key == "reset.failed"
    assert err.value.message("uk").startswith("Не вдалося підтвердити рахунок і логін")
    assert password_hash(sessions) == before
    assert password_hash(sessions, "stranger@example.com") and can_log_in(sessions, OLD, "stranger@example.com")


def test_a_login_with_two_accounts_can_prove_either(seed_world, sessions):
    world, _ = seed_world
    second = world.account("1120200001001", address="вул. Гулака-Артемовського, 20, кв. 2")
    world.payment(second, "hot_water", "250.00", kyiv(2020, 2, 14))
    login_id = register(sessions)
    consumers.add_account(sessions, login_id, account_number="1120200001001", last_payment="250,00", now=NOW)
    assert reset(sessions, number="1120200001001", amount="250,00") == login_id
    assert reset(sessions, amount="1866,66", password=OLD) == login_id
    assert can_log_in(sessions, OLD)


def test_a_weak_or_mismatched_password_is_refused_before_any_attempt_counts(seed_world, sessions):
    register(sessions)
    with pytest.raises(DomainError) as weak:
        reset(sessions, password="password")
    assert weak.value.key in {"password.common", "password.too_short"}
    with pytest.raises(DomainError) as mismatch:
        reset(sessions, repeated="інший-пароль-2021")
    assert mismatch.value.key == "password.mismatch"
    assert can_log_in(sessions, OLD)
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(FailedAttempt)) == 0


def test_five_failures_lock_the_account_for_registration_and_reset_alike(seed_world, sessions):
    register(sessions)
    for _ in range(5):
        with pytest.raises(VerificationFailed):
            reset(sessions, amount="1,00")
    with pytest.raises(Locked):  # even the right proof waits
        reset(sessions)
    with pytest.raises(Locked):  # the same throttle as registration
        register(sessions, login="new@example.com")
    assert can_log_in(sessions, OLD)
    assert reset(sessions, now=NOW + dt.timedelta(minutes=16))


def test_five_failures_for_one_login_lock_it_across_accounts(seed_world, sessions):
    world, _ = seed_world
    register(sessions)
    numbers = [f"11202000090{i:02d}" for i in range(5)]
    for number in numbers:  # guessing a different account each time
        world.account(number)
        with pytest.raises(VerificationFailed):
            reset(sessions, number=number, amount="1,00")
    with pytest.raises(Locked):
        reset(sessions)
    assert can_log_in(sessions, OLD)


def test_revoke_all_for_login_leaves_other_logins_alone(seed_world, sessions):
    world, _ = seed_world
    other = world.account("1120200002000", address="просп. Волі, 3, кв. 9")
    world.payment(other, "heating", "999.99", kyiv(2020, 2, 20))
    olena = register(sessions)
    stranger = register(sessions, number="1120200002000", amount="999,99", login="stranger@example.com")
    consumer_sessions.start(sessions, olena, browser="phone", now=NOW)
    consumer_sessions.start(sessions, stranger, browser="laptop", now=NOW)
    with sessions.begin() as s:
        assert consumer_sessions.revoke_all_for_login(s, olena, NOW) == 1
    with sessions() as s:
        live = s.scalars(select(ConsumerSession.login_id).where(ConsumerSession.revoked_at.is_(None))).all()
    assert live == [stranger]


def test_a_reset_lifts_the_login_lock_left_by_forgotten_password_attempts(seed_world, sessions):
    """The usual way here: five wrong passwords lock the login; proving the account again must let them in."""
    register(sessions)
    for _ in range(5):
        assert not can_log_in(sessions, "не-той-пароль")
    with pytest.raises(Locked):
        consumers.authenticate(sessions, LOGIN, OLD, now=NOW)
    reset(sessions)
    assert can_log_in(sessions, NEW)
    with sessions() as s:  # the failures stay as evidence, no longer counted
        outcomes = s.scalars(
            select(FailedAttempt.outcome).where(
                FailedAttempt.scope == consumers.LOGIN_SCOPE, FailedAttempt.key == LOGIN
            )
        ).all()
    assert sorted(outcomes).count("cleared") == 5
