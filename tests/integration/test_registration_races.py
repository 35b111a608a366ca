"""Parallel registrations of one login, parallel links of one account, parallel staff users of one name and
reading windows of one month: every loser gets the message the sequential path gives, never a raw database
error (issue 10, item 19). Real processes, on PostgreSQL (100, at most 40 connections open at once) and SQLite (20)."""

from __future__ import annotations

import datetime as dt
import multiprocessing

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.pool import NullPool

from core import consumers, staff, windows
from core.errors import DomainError
from db.engine import make_sessions
from db.models import ConsumerAccountLink, ConsumerLogin
from tests.conftest import kyiv, register_consumer

pytestmark = pytest.mark.parallel_processes  # tests/conftest.py: one of these at a time under xdist

NOW = kyiv(2020, 3, 2, 10)
PASSWORD = "тепла-зима-2020"
PROCESSES = {"sqlite": 20, "postgresql": 40}  # on PostgreSQL, every one holds a connection at once
MAX_CONNECTIONS = 40


def _worker(url, action, login_id, start, gate, results):
    engine = create_engine(url, poolclass=NullPool, connect_args={"timeout": 60} if url.startswith("sqlite") else {})
    sessions = make_sessions(engine)
    start.wait()
    with gate:  # at most MAX_CONNECTIONS workers hold a connection at once
        try:
            if action == "register":
                register_consumer(sessions, "+380671234567", password=PASSWORD, now=NOW)
            elif action == "staff":
                staff.create_staff_user(sessions, "olena", PASSWORD, "analyst", now=NOW)
            elif action == "window":
                windows.create_window(
                    sessions, dt.date(2020, 4, 1), kyiv(2020, 4, 25), kyiv(2020, 5, 4), actor="admin", now=NOW
                )
            else:
                consumers.add_account(
                    sessions, login_id, account_number="1120200001001", last_payment="999,99", now=NOW
                )
            results.put("ok")
        except DomainError as error:
            results.put(error.key)
        except Exception as error:  # noqa: BLE001 - what the consumer would have seen as a traceback
            results.put(f"raw {type(error).__name__}")
    engine.dispose()


def _race(engine, action, login_id=None) -> list[str]:
    context = multiprocessing.get_context("fork")
    count = PROCESSES[engine.dialect.name]
    start, gate, results = context.Event(), context.BoundedSemaphore(MAX_CONNECTIONS), context.Queue()
    url = engine.url.render_as_string(hide_password=False)
    engine.dispose()  # no pooled connection crosses the fork
    workers = [
        context.Process(target=_worker, args=(url, action, login_id, start, gate, results)) for _ in range(count)
    ]
    for worker in workers:
        worker.start()
    start.set()
    outcomes = [results.get(timeout=600) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
    return sorted(outcomes)


def assert_one_won(outcomes: list[str], loser: str) -> None:
    """One attempt wins; every other gets the sequential path's message, or, past the number of proofs the
    throttle lets run at once for one account (core.throttle), its lock message: never a raw database error."""
    assert outcomes.count("ok") == 1, outcomes
    assert set(outcomes) - {"ok"} <= {loser, "registration.locked"}, outcomes
    assert outcomes.count(loser) >= 1, outcomes


def test_parallel_registrations_of_one_login_create_one_and_tell_the_rest_it_is_taken(seed_world, engine, sessions):
    assert_one_won(_race(engine, "register"), "login.taken")
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(ConsumerLogin)) == 1
        assert s.scalar(select(func.count()).select_from(ConsumerAccountLink)) == 1


def test_parallel_links_of_one_account_link_it_once_and_tell_the_rest_it_is_linked(seed_world, engine, sessions):
    world, _account = seed_world
    second = world.account("1120200001001", address="вул. Гулака-Артемовського, 20, кв. 2")
    world.payment(second, "heating", "999.99", kyiv(2020, 2, 1))
    login_id = register_consumer(sessions, "+380671234567", password=PASSWORD, now=NOW)
    assert_one_won(_race(engine, "add_account", login_id), "registration.already_linked")
    with sessions() as s:
        assert (
            s.scalar(
                select(func.count()).select_from(ConsumerAccountLink).where(ConsumerAccountLink.login_id == login_id)
            )
            == 2
        )


@pytest.mark.parametrize("action,key", [("staff", "staff.username_taken"), ("window", "window.exists")])
def test_parallel_staff_users_and_windows_of_one_name_create_one(engine, sessions, action, key):
    outcomes = _race(engine, action)
    assert outcomes == sorted(["ok"] + [key] * (len(outcomes) - 1))
