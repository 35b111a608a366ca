"""At most one reading per meter and window stands, whatever parallel processes submit (issue 10 item 18): 100
processes on PostgreSQL (at most 40 connections open at once), 20 on SQLite. A losing racer gets what the sequential
path gives: a request to confirm the replacement, or its reading kept as superseded; never a database error."""

from __future__ import annotations

import datetime as dt
import multiprocessing

import pytest
from sqlalchemy import func, select
from sqlalchemy.pool import NullPool

from core.errors import NeedsConfirmation
from core.readings import submit_reading
from db.engine import make_engine, make_sessions
from db.models import ConsumerAccountLink, ConsumerLogin, Meter, Reading
from tests.conftest import kyiv

pytestmark = pytest.mark.parallel_processes  # tests/conftest.py: one of these at a time under xdist

NOW = kyiv(2020, 3, 2, 10)
MAX_OPEN_CONNECTIONS = 40


def _worker(url, login_id, meter_id, value, replace, gate, start, results):
    # PostgreSQL: a connection per process, set up as the apps' are (JIT off, the submission's reads prepared).
    engine = make_engine(url) if url.startswith("sqlite") else make_engine(url, poolclass=NullPool)
    sessions = make_sessions(engine)
    start.wait()
    try:
        with gate:
            try:
                submit_reading(sessions, login_id, meter_id, value, confirm_replace=replace, confirm_jump=True, now=NOW)
                results.put("accepted")
            except NeedsConfirmation as ask:
                results.put(f"confirm {ask.kind}")
            except Exception as exc:  # the outcome under test: nothing of this kind may happen
                results.put(f"{type(exc).__name__}: {exc}"[:300])
            finally:
                engine.dispose()
    except BaseException as exc:  # noqa: BLE001 - report, never hang the parent
        results.put(f"worker crashed: {exc!r}")


@pytest.fixture
def consumer(seed_world, sessions):
    world, account = seed_world
    world.window(dt.date(2020, 2, 1))
    with sessions.begin() as s:
        login = ConsumerLogin(login="olena@example.com", password_hash="-", language="uk", created_at=NOW)
        s.add(login)
        s.flush()
        s.add(ConsumerAccountLink(login_id=login.id, account_id=account, method="payment", linked_at=NOW))
        meter_id = s.scalar(select(Meter.id).where(Meter.account_id == account))
        return login.id, meter_id


def _race(engine, consumer, processes: int, replace: bool) -> list[str]:
    login_id, meter_id = consumer
    url = engine.url.render_as_string(hide_password=False)
    context = multiprocessing.get_context("fork")
    gate, start, results = context.BoundedSemaphore(MAX_OPEN_CONNECTIONS), context.Event(), context.Queue()
    workers = [
        context.Process(
            target=_worker,
            daemon=True,
            args=(url, login_id, meter_id, f"{101 + i * 0.001:.3f}", replace, gate, start, results),
        )
        for i in range(processes)
    ]
    for worker in workers:
        worker.start()
    start.set()
    outcomes = [results.get(timeout=300) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
    return outcomes


def _processes(engine) -> int:
    return 100 if engine.dialect.name == "postgresql" else 20


def _accepted(sessions) -> int:
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(Reading).where(Reading.status == "accepted"))


def test_parallel_first_submissions_leave_one_standing_reading(engine, sessions, consumer):
    processes = _processes(engine)
    outcomes = _race(engine, consumer, processes, replace=False)
    assert sorted(set(outcomes)) == ["accepted", "confirm replace"], outcomes
    assert outcomes.count("accepted") == 1
    assert _accepted(sessions) == 1


def test_parallel_confirmed_replacements_leave_one_standing_and_the_rest_superseded(engine, sessions, consumer):
    processes = _processes(engine)
    outcomes = _race(engine, consumer, processes, replace=True)
    assert outcomes == ["accepted"] * processes
    with sessions() as s:
        rows = s.execute(select(Reading.id, Reading.status, Reading.superseded_by_id)).all()
    standing = [r for r in rows if r.status == "accepted"]
    assert len(standing) == 1 and len(rows) == processes
    ids = {r.id for r in rows}
    assert all(r.superseded_by_id in ids for r in rows if r.status == "superseded")
    # Each reading was superseded by the one that replaced it: the chain ends at the standing reading.
    assert len({r.superseded_by_id for r in rows if r.status == "superseded"}) == processes - 1
