"""A login ticket tried many times at once, from separate processes: exactly one try gets a session, on SQLite and
on PostgreSQL (the ticket is claimed by one atomic UPDATE, not by a read and a later write)."""

from __future__ import annotations

import multiprocessing

import pytest

from core import consumer_sessions
from tests.conftest import kyiv, register_consumer

pytestmark = pytest.mark.parallel_processes  # tests/conftest.py: one of these at a time under xdist

NOW = kyiv(2020, 3, 2, 10)
TRIES = 10
BROWSER = "the-consumers-own-browser"


def _try_ticket(url: str, ticket: str, barrier, gate, results) -> None:
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    from db.engine import make_sessions

    engine = create_engine(
        url, poolclass=NullPool, **({"connect_args": {"timeout": 60}} if url.startswith("sqlite") else {})
    )
    try:
        barrier.wait()
        with gate:  # at most 40 connections open at once on the shared server
            results.put(consumer_sessions.exchange_ticket(make_sessions(engine), ticket, browser=BROWSER, now=NOW))
    finally:
        engine.dispose()


def test_of_simultaneous_tries_of_one_ticket_exactly_one_gets_a_session(seed_world, sessions, engine):
    login_id = register_consumer(sessions, "olena@example.com", now=NOW)
    _token, ticket = consumer_sessions.start(sessions, login_id, browser=BROWSER, now=NOW)
    context = multiprocessing.get_context("fork")  # the workers build their own engines
    barrier, gate, results = context.Barrier(TRIES), context.BoundedSemaphore(40), context.Queue()
    url = engine.url.render_as_string(hide_password=False)
    workers = [context.Process(target=_try_ticket, args=(url, ticket, barrier, gate, results)) for _ in range(TRIES)]
    for worker in workers:
        worker.start()
    tokens = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    won = [token for token in tokens if token is not None]
    assert len(won) == 1
    assert consumer_sessions.resolve(sessions, won[0], now=NOW) == login_id
