"""`send-reminders` run by many processes at once (a timer firing while an operator runs it by hand, two hosts):
every consumer gets each reminder exactly once, enforced by the database's unique key, not by a job lock.

Each worker is a real process with its own connection (NullPool) released by a barrier; they all send to one real
SMTP server (aiosmtpd) in the test's process, which counts what arrives.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
from collections import Counter

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.pool import NullPool

from core import mail, reminders
from db.engine import make_sessions
from db.models import ConsumerAccountLink, ConsumerLogin, ReminderDelivery
from tests.conftest import kyiv
from tests.mailbox import SmtpServer

pytestmark = pytest.mark.parallel_processes  # tests/conftest.py: one of these at a time under xdist

OPEN = kyiv(2026, 11, 26, 9)  # the November window is open
PROCESSES = {"sqlite": 6, "postgresql": 12}
CONSUMERS = 15


def _worker(url, environ, now, barrier, results):
    connect_args = {"timeout": 60} if url.startswith("sqlite") else {}
    engine = create_engine(url, poolclass=NullPool, connect_args=connect_args)
    try:
        barrier.wait(timeout=120)
        summary = reminders.send_reminders(make_sessions(engine), mail.MailSettings.load(environ), now=now)
        results.put(("ok", summary.sent, summary.taken, summary.failed, summary.uncertain))
    except Exception as exc:  # reported, so the test shows it instead of hanging
        results.put((f"error: {exc!r}"[:300], 0, 0, 0, 0))
    finally:
        engine.dispose()


def _run(url: str, environ: dict, now, processes: int) -> list[tuple]:
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(processes)
    results = context.Queue()
    workers = [
        context.Process(target=_worker, args=(url, environ, now, barrier, results), daemon=True)
        for _ in range(processes)
    ]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=300) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
    return outcomes


def test_parallel_runs_send_each_reminder_exactly_once(engine, world):
    sessions = world.sessions
    for period in (dt.date(2026, 10, 1), dt.date(2026, 11, 1)):
        world.window(period)
    addresses = []
    for n in range(CONSUMERS):
        account = world.account(f"11202000{n:05d}", address=f"вул. Лесі Українки, {n + 1}")
        world.meter(account, serial=f"08{n:05d}")
        with sessions.begin() as s:
            row = ConsumerLogin(
                login=f"c{n}@example.com", password_hash="-", language="uk", created_at=kyiv(2026, 1, 1)
            )
            s.add(row)
            s.flush()
            s.add(
                ConsumerAccountLink(login_id=row.id, account_id=account, method="payment", linked_at=kyiv(2026, 1, 1))
            )
            login_id = row.id
        reminders.set_reminders(sessions, login_id, True, now=kyiv(2026, 10, 20))
        world.charge(account, "heating", dt.date(2026, 10, 1), "1000.00")  # billed after the consent: new
        addresses.append(f"c{n}@example.com")
    server = SmtpServer().start()
    try:
        url = engine.url.render_as_string(hide_password=False)
        processes = PROCESSES[engine.dialect.name]
        engine.dispose()  # the children open their own connections; none is inherited across fork
        outcomes = _run(url, server.environ(), OPEN, processes)
    finally:
        server.stop()

    assert [o for o in outcomes if o[0] != "ok"] == []
    # each consumer is due two reminders: the November window (open) and October's new charge
    assert sum(o[1] for o in outcomes) == 2 * CONSUMERS
    assert sum(o[3] + o[4] for o in outcomes) == 0
    assert sum(o[2] for o in outcomes) > 0, outcomes  # the runs did overlap: some found a reminder claimed by another
    received = Counter((r.recipients[0], str(r.message["Subject"])) for r in server.mailbox.received)
    assert len(received) == 2 * CONSUMERS and set(received.values()) == {1}
    assert {address for address, _subject in received} == set(addresses)
    with sessions() as s:
        rows = s.execute(select(ReminderDelivery.status, func.count()).group_by(ReminderDelivery.status)).all()
    assert rows == [("sent", 2 * CONSUMERS)]
