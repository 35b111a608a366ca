"""A forgotten password: a login that proves one of its own accounts again, with the registration proof, sets a new
one (DESIGN section 2)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, sessionmaker

from core import audit, clock, consumer_sessions, throttle
from core.consumers import LOGIN_SCOPE, REGISTER_SCOPE, ProofAndPassword, _verify
from core.errors import DomainError, Locked, VerificationFailed
from core.passwords import hash_password
from db.models import ConsumerAccountLink, ConsumerLogin

RESET_SCOPE = "password_reset"


def reset_password(sessions: sessionmaker[Session], form: ProofAndPassword, now: dt.datetime | None = None) -> int:
    """Set a new password for a login that proves one of its own accounts again, with the registration proof
    (the amount typed as in the consumer's language, `1866,66` or `1,866.66`, as at registration).

    Throttled like registration (per account number) and also per login; every failure, whether the account,
    the proof, the login or the link is wrong, raises the same message. Ends every session of the login and lifts
    the lock that wrong passwords left on it (the failures stay as evidence).
    """
    now = now or clock.now()
    proof, login_name = form.read()
    new_hash = hash_password(form.password)  # the same Argon2 work whether or not the proof holds
    by_account = throttle.claim(sessions, REGISTER_SCOPE, proof.number, now)
    try:
        by_login = throttle.claim(sessions, RESET_SCOPE, login_name, now)
    except Locked:
        with sessions.begin() as session:
            throttle.released(session, by_account)
        raise
    failure: DomainError | None = None
    with sessions.begin() as session:
        try:
            account = _verify(session, proof)
            consumer = session.scalar(select(ConsumerLogin).where(ConsumerLogin.login == login_name))
            if consumer is None or not session.scalar(
                select(
                    exists().where(
                        ConsumerAccountLink.login_id == consumer.id, ConsumerAccountLink.account_id == account.id
                    )
                )
            ):
                raise VerificationFailed("reset.failed")
        except VerificationFailed:
            throttle.failed(session, by_account, now)
            throttle.failed(session, by_login, now)
            failure = VerificationFailed("reset.failed")
        except DomainError as exc:  # the proof matched, but this way of proving is not allowed (meter, payments)
            throttle.released(session, by_account)
            throttle.released(session, by_login)
            failure = exc
        else:
            consumer.password_hash = new_hash
            ended = consumer_sessions.revoke_all_for_login(session, consumer.id, now)
            throttle.succeeded(session, by_account, now)
            throttle.succeeded(session, by_login, now)
            throttle.clear_failures(session, LOGIN_SCOPE, login_name, now)
            audit.consumer_action(
                session,
                login_name,
                "consumer.password_reset",
                "consumer_login",
                consumer.id,
                at=now,
                account=proof.number,
                method=proof.method,
                sessions_ended=ended,
            )
            login_id = consumer.id
    if failure is not None:
        raise failure
    return login_id
