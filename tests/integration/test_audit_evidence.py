"""The audit keeps the evidence: failed logins and lockouts (the key, never the secret), failures kept after a
success, imports stamped with the time of writing, an append-only table on PostgreSQL, and unsigned payment
callbacks that cannot grow the audit."""

from __future__ import annotations

import datetime as dt
import json
import logging

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from core import consumers, imports, payment_callbacks, staff
from core.config import settings
from core.errors import Locked, VerificationFailed
from core.payment_providers import PaymentSettings
from db.models import AuditLog, AuditTally, FailedAttempt
from tests.conftest import kyiv, register_consumer

NOW = kyiv(2020, 3, 2, 10)
PASSWORD = "тепла-зима-2020"
GUESS = "вгадую-пароль-42"
LOGIN = "+380671234567"


@pytest.fixture
def consumer(seed_world, sessions):
    return register_consumer(sessions, LOGIN, password=PASSWORD, now=NOW - dt.timedelta(days=1))


def audit_rows(sessions, action: str) -> list[AuditLog]:
    with sessions() as s:
        return list(s.scalars(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)))


def attempts(sessions, scope: str, key: str) -> list[str]:
    with sessions() as s:
        return list(
            s.scalars(
                select(FailedAttempt.outcome)
                .where(FailedAttempt.scope == scope, FailedAttempt.key == key)
                .order_by(FailedAttempt.id)
            )
        )


def everything_audited(sessions) -> str:
    with sessions() as s:
        return json.dumps([list(map(str, row)) for row in s.execute(select(AuditLog.__table__))], ensure_ascii=False)


def test_failed_logins_are_audited_with_the_login_and_never_the_password(consumer, sessions):
    for _ in range(2):
        with pytest.raises(VerificationFailed):
            consumers.authenticate(sessions, LOGIN, GUESS, now=NOW)
    failed = audit_rows(sessions, "login.failed")
    assert [(row.actor, row.entity_id, row.at) for row in failed] == [(LOGIN, LOGIN, NOW)] * 2
    assert GUESS not in everything_audited(sessions)


def test_a_success_keeps_the_failures_as_evidence_and_stops_counting_them(consumer, sessions):
    for _ in range(settings().max_failures - 1):
        with pytest.raises(VerificationFailed):
            consumers.authenticate(sessions, LOGIN, GUESS, now=NOW)
    assert consumers.authenticate(sessions, LOGIN, PASSWORD, now=NOW) == consumer
    assert attempts(sessions, consumers.LOGIN_SCOPE, LOGIN) == ["cleared"] * (settings().max_failures - 1)
    # The cleared failures no longer count: the owner has a full allowance again.
    for _ in range(settings().max_failures - 1):
        with pytest.raises(VerificationFailed):
            consumers.authenticate(sessions, LOGIN, GUESS, now=NOW)
    assert consumers.authenticate(sessions, LOGIN, PASSWORD, now=NOW) == consumer


def test_a_lockout_is_audited_once_per_period_with_a_count_of_refusals(consumer, sessions):
    for _ in range(settings().max_failures):
        with pytest.raises(VerificationFailed):
            consumers.authenticate(sessions, LOGIN, GUESS, now=NOW)
    for _ in range(3):
        with pytest.raises(Locked):
            consumers.authenticate(sessions, LOGIN, PASSWORD, now=NOW)
    [locked] = audit_rows(sessions, "login.locked")
    assert (locked.actor, locked.entity_id) == (LOGIN, LOGIN)
    with sessions() as s:
        assert s.scalar(select(FailedAttempt.attempts).where(FailedAttempt.outcome == "locked")) == 3


def test_unknown_login_and_unknown_account_are_audited_like_known_ones(consumer, sessions):
    with pytest.raises(VerificationFailed):
        consumers.authenticate(sessions, "nobody@example.com", GUESS, now=NOW)
    with pytest.raises(VerificationFailed):
        register_consumer(sessions, "a@b.ua", number="1120200009999", amount="1,00", password=PASSWORD, now=NOW)
    assert [r.entity_id for r in audit_rows(sessions, "login.failed")] == ["nobody@example.com"]
    assert [r.entity_id for r in audit_rows(sessions, "register.failed")] == ["1120200009999"]


def test_failed_staff_logins_are_audited(sessions):
    staff.create_staff_user(sessions, "olena", PASSWORD, "analyst", now=NOW)
    with pytest.raises(VerificationFailed):
        staff.authenticate_staff(sessions, "olena", GUESS, now=NOW)
    assert [(r.actor, r.entity_id) for r in audit_rows(sessions, "staff_login.failed")] == [("olena", "olena")]
    assert GUESS not in everything_audited(sessions)


READINGS = """meter_serial;value;read_at;ref;account_number
0812345;152,500;2026-11-26 09:30;VK-1;1120200001000
"""


def test_imported_readings_are_audited_at_the_time_of_writing(configure, world, sessions):
    configure(TEPLO_NOW="2026-11-27T12:00")
    account = world.account()
    world.meter(account, "0812345", initial="100.000")
    world.window(dt.date(2026, 11, 1))
    imports.commit(sessions, "readings", "vodokanal.csv", READINGS.encode("utf-8"), actor="operator")
    [row] = audit_rows(sessions, "reading.submitted")
    assert row.at == kyiv(2026, 11, 27, 12)


def test_the_audit_log_is_append_only_on_postgresql(engine, sessions, consumer):
    if engine.dialect.name != "postgresql":
        pytest.skip("the append-only trigger is PostgreSQL's")
    for statement in ("UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
            connection.execute(text(statement))
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(AuditLog)) >= 2
        assert s.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.actor == "someone else")) == 0


LIQPAY = PaymentSettings.load(
    environ={
        "LIQPAY_PUBLIC_KEY": "sandbox_i12345",
        "LIQPAY_PRIVATE_KEY": "sandbox_private_key",
        "PUBLIC_BASE_URL": "https://cabinet.example",
    }
)


def test_a_flood_of_unsigned_callbacks_adds_one_audit_row_per_period(sessions, caplog):
    caplog.set_level(logging.WARNING, logger="core.payment_callbacks")
    for n in range(100):
        result = payment_callbacks.handle_callback(
            sessions, f"bogus-{n}", "not-a-signature", LIQPAY, now=NOW + dt.timedelta(seconds=n)
        )
        assert (result.outcome, result.reason) == ("rejected", "signature")
    assert len(audit_rows(sessions, "payment.callback_rejected")) == 1
    with sessions() as s:
        assert s.scalar(select(func.sum(AuditTally.count))) == 100
    # A log line per order of magnitude (the 1st, 10th and 100th), not one per request.
    assert len([r for r in caplog.records if "payment callback rejected" in r.getMessage()]) == 3
    # The next period starts a new audit row, so a later attack is still seen.
    payment_callbacks.handle_callback(sessions, "bogus", "x", LIQPAY, now=NOW + dt.timedelta(hours=2))
    assert len(audit_rows(sessions, "payment.callback_rejected")) == 2


def test_an_unknown_login_is_throttled_and_locked_with_the_same_words_as_a_known_one(consumer, sessions):
    locked = {}
    for login in (LOGIN, "nobody@example.com"):
        for _ in range(settings().max_failures):
            with pytest.raises(VerificationFailed) as failure:
                consumers.authenticate(sessions, login, GUESS, now=NOW)
            assert failure.value.key == "login.failed"
        with pytest.raises(Locked) as refused:
            consumers.authenticate(sessions, login, GUESS, now=NOW)
        locked[login] = refused.value.message("uk")
    assert locked[LOGIN] == locked["nobody@example.com"]
