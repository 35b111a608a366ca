"""Parallel guessing: however many processes try one key at once, at most the limit of proofs is evaluated.

Each worker is a real process with its own connection (NullPool); a barrier releases them together, and a
semaphore keeps at most 40 PostgreSQL connections open (the server's slots are shared). A worker reports
"evaluated" when its proof was checked and refused (VerificationFailed can only follow a check) and "locked" when
the throttle refused it before any check.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.pool import NullPool

from core import consumers, staff
from core.config import settings
from core.errors import Locked, VerificationFailed
from db.engine import make_sessions
from db.models import AuditLog, FailedAttempt
from tests.conftest import kyiv, register_consumer

pytestmark = pytest.mark.parallel_processes  # tests/conftest.py: one of these at a time under xdist

NOW = kyiv(2020, 3, 2, 10)
PASSWORD = "тепла-зима-2020"
MAX_OPEN_CONNECTIONS = 40
PROCESSES = {"sqlite": 20, "postgresql": 50}


def _register_by_payment(sessions, n):
    register_consumer(sessions, f"guess{n}@example.com", amount=f"{1000 + n},00", password=PASSWORD, now=NOW)


def _register_by_meter(sessions, n):
    register_consumer(
        sessions,
        f"guess{n}@example.com",
        number="1120200001017",
        amount=None,
        meter=f"99{n:05d}",
        password=PASSWORD,
        now=NOW,
    )


def _consumer_login(sessions, n):
    consumers.authenticate(sessions, "+380671234567", f"guess-{n}", now=NOW)


def _staff_login(sessions, n):
    staff.authenticate_staff(sessions, "olena", f"guess-{n}", now=NOW)


PROOFS = {
    "register_payment": (_register_by_payment, consumers.REGISTER_SCOPE, "1120200001000"),
    "register_meter": (_register_by_meter, consumers.REGISTER_SCOPE, "1120200001017"),
    "consumer_login": (_consumer_login, consumers.LOGIN_SCOPE, "+380671234567"),
    "staff_login": (_staff_login, staff.STAFF_LOGIN_SCOPE, "olena"),
}


def _worker(url, proof, n, barrier, gate, results):
    connect_args = {"timeout": 60} if url.startswith("sqlite") else {}
    engine = create_engine(url, poolclass=NullPool, connect_args=connect_args)
    sessions = make_sessions(engine)
    barrier.wait(timeout=120)
    with gate:
        try:
            PROOFS[proof][0](sessions, n)
            outcome = "passed"
        except Locked:
            outcome = "locked"
        except VerificationFailed:
            outcome = "evaluated"
        except Exception as exc:  # reported, so the test shows it instead of hanging
            outcome = f"error: {exc!r}"[:300]
    engine.dispose()
    results.put(outcome)


def _run(url: str, proof: str, processes: int) -> list[str]:
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(processes)
    gate = context.BoundedSemaphore(MAX_OPEN_CONNECTIONS)
    results = context.Queue()
    workers = [
        context.Process(target=_worker, args=(url, proof, n, barrier, gate, results), daemon=True)
        for n in range(processes)
    ]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=300) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
    return outcomes


@pytest.fixture
def targets(seed_world, sessions, monkeypatch):
    """An account with payments, one with only a meter, a consumer login and a staff user (cheap Argon2: the suite's
    fast_passwords)."""
    world, _account = seed_world
    world.meter(world.account("1120200001017", address="вул. Гулака-Артемовського, 20, кв. 18"), serial="2611017")
    register_consumer(sessions, "+380671234567", password=PASSWORD, now=NOW - dt.timedelta(days=1))
    staff.create_staff_user(sessions, "olena", PASSWORD, "analyst", now=NOW - dt.timedelta(days=1))
    return sessions


@pytest.mark.parametrize("proof", sorted(PROOFS))
def test_parallel_guesses_evaluate_at_most_the_limit(engine, targets, proof):
    sessions = targets
    url = engine.url.render_as_string(hide_password=False)
    processes = PROCESSES[engine.dialect.name]
    engine.dispose()  # the children open their own connections; none is inherited across fork
    outcomes = _run(url, proof, processes)

    errors = [o for o in outcomes if o.startswith("error")]
    assert errors == []
    assert outcomes.count("evaluated") == settings().max_failures, outcomes
    assert outcomes.count("locked") == processes - settings().max_failures
    _fn, scope, key = PROOFS[proof]
    with sessions() as s:
        failed = s.scalar(
            select(func.count())
            .select_from(FailedAttempt)
            .where(FailedAttempt.scope == scope, FailedAttempt.key == key, FailedAttempt.outcome == "failed")
        )
        lockout = (
            s.execute(
                select(FailedAttempt.attempts).where(
                    FailedAttempt.scope == scope, FailedAttempt.key == key, FailedAttempt.outcome == "locked"
                )
            )
            .scalars()
            .all()
        )
        audited = dict(
            s.execute(
                select(AuditLog.action, func.count()).where(AuditLog.entity_id == key).group_by(AuditLog.action)
            ).all()
        )
    assert failed == settings().max_failures
    # The lockout is audited once, with a counter of the refused attempts, not one row per refusal.
    assert lockout == [processes - settings().max_failures]
    assert audited.get(f"{scope}.failed") == settings().max_failures and audited.get(f"{scope}.locked") == 1
