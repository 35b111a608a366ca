"""The periodic jobs (balances, expire-payments, windows, close-windows, cleanup): each does its work once,
changes nothing when run again, and four processes running them at the same moment take turns instead of
failing or doubling anything, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import multiprocessing
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core import balances, jobs, payments
from db.models import (
    AdditionalCharge,
    AuditLog,
    ConsumerAccountLink,
    ConsumerLogin,
    ConsumerSession,
    DebtRecord,
    FailedAttempt,
    PaymentIntent,
    ReadingWindow,
    WindowFigures,
)
from tests.conftest import kyiv

NOW = kyiv(2026, 11, 5, 12)  # the October window closed yesterday at midnight (4 Nov, 00:00)
JOBS = ("windows", "close-windows", "balances", "expire-payments", "cleanup")
WORKERS = 4


def run_job(sessions, job: str):
    if job == "windows":
        return jobs.ensure_windows(sessions, now=NOW)
    if job == "close-windows":
        return jobs.close_windows(sessions, now=NOW)
    if job == "balances":
        return balances.record(sessions, now=NOW)
    if job == "expire-payments":
        return payments.expire_stale_intents(sessions, now=NOW)
    return jobs.cleanup(sessions, now=NOW)


def _worker(url: str, barrier) -> None:
    from sqlalchemy.pool import NullPool

    from db.engine import make_engine, make_sessions

    engine = make_engine(url, poolclass=NullPool) if url.startswith("postgresql") else make_engine(url)
    sessions = make_sessions(engine)
    for job in JOBS:
        barrier.wait(timeout=120)  # every worker starts each job at the same moment
        run_job(sessions, job)
    engine.dispose()


def build(world):
    """One metered account with October's window closed and unread, an expired and an open payment link,
    an ended and a live consumer session, an old and a recent failed login."""
    account = world.account()
    world.meter(account)
    world.charge(account, "heating", dt.date(2026, 9, 1), "1500.00")
    world.payment(account, "heating", "1500.00", kyiv(2026, 10, 10))
    world.window(dt.date(2026, 10, 1))
    with world.sessions.begin() as s:
        login = ConsumerLogin(login="olena@example.com", password_hash="-", language="uk", created_at=kyiv(2026, 1, 1))
        s.add(login)
        s.flush()
        s.add(ConsumerAccountLink(login_id=login.id, account_id=account, method="payment", linked_at=kyiv(2026, 1, 1)))
        for order, created in (("TC-OLD", NOW - dt.timedelta(days=3)), ("TC-NEW", NOW - dt.timedelta(hours=1))):
            s.add(
                PaymentIntent(
                    order_id=order,
                    account_id=account,
                    service="heating",
                    amount=Decimal("10.00"),
                    currency="UAH",
                    status="pending",
                    provider="liqpay",
                    login_id=login.id,
                    created_at=created,
                    updated_at=created,
                    expires_at=created + dt.timedelta(days=1),
                )
            )
        s.add(
            ConsumerSession(
                login_id=login.id,
                token_hash="a" * 64,
                created_at=NOW - dt.timedelta(days=60),
                last_seen_at=NOW - dt.timedelta(days=45),
                revoked_at=NOW - dt.timedelta(days=45),
            )
        )
        s.add(
            ConsumerSession(
                login_id=login.id,
                token_hash="b" * 64,
                created_at=NOW - dt.timedelta(days=2),
                last_seen_at=NOW - dt.timedelta(hours=2),
            )
        )
        s.add(FailedAttempt(scope="login", key="olena@example.com", at=NOW - dt.timedelta(days=40)))
        s.add(FailedAttempt(scope="login", key="olena@example.com", at=NOW - dt.timedelta(minutes=5)))


def state(sessions) -> dict:
    with sessions() as s:
        count = lambda model, *where: s.scalar(select(func.count()).select_from(model).where(*where))  # noqa: E731
        return {
            "windows": sorted(s.scalars(select(ReadingWindow.period))),
            "processed": sorted(
                p for p in s.scalars(select(ReadingWindow.period).where(ReadingWindow.processed_at.is_not(None)))
            ),
            "additional": count(AdditionalCharge),
            "processed_audits": count(AuditLog, AuditLog.action == "window.processed"),
            "debt_records": sorted(s.execute(select(DebtRecord.day, DebtRecord.debt)).tuples().all()),
            "window_figures": sorted(
                s.execute(
                    select(ReadingWindow.period, WindowFigures.submitted, WindowFigures.metered).join(
                        ReadingWindow, ReadingWindow.id == WindowFigures.window_id
                    )
                )
                .tuples()
                .all()
            ),
            "intents": dict(s.execute(select(PaymentIntent.order_id, PaymentIntent.status)).tuples().all()),
            "expired_audits": count(AuditLog, AuditLog.action == "payment.expired"),
            "sessions": sorted(s.scalars(select(ConsumerSession.token_hash))),
            "attempts": count(FailedAttempt),
        }


def expected_after_jobs(before_windows: int) -> dict:
    return {
        "windows": [dt.date(2026, 10, 1), dt.date(2026, 11, 1), dt.date(2026, 12, 1), dt.date(2027, 1, 1)],
        "processed": [dt.date(2026, 10, 1)],
        "additional": 1,
        "processed_audits": 1,
        # The debt at the start of 5 and 6 October (today's and tomorrow's comparison): September's 1500,00.
        "debt_records": [(dt.date(2026, 10, 5), Decimal("1500.00")), (dt.date(2026, 10, 6), Decimal("1500.00"))],
        "window_figures": [(dt.date(2026, 10, 1), 0, 1)],  # October closed unread: its chart figures recorded
        "intents": {"TC-OLD": "expired", "TC-NEW": "pending"},
        "expired_audits": 1,
        "sessions": ["b" * 64],
        "attempts": 1,
    }


def test_each_job_does_its_work_once_and_a_second_run_changes_nothing(world, sessions):
    build(world)
    for job in JOBS:
        run_job(sessions, job)
    after = state(sessions)
    assert after == expected_after_jobs(1)
    for job in JOBS:
        run_job(sessions, job)
    assert state(sessions) == after


@pytest.mark.parallel_processes
def test_jobs_run_by_four_processes_at_once_take_turns(world, sessions, engine):
    build(world)
    url = engine.url.render_as_string(hide_password=False)
    context = multiprocessing.get_context("fork")
    engine.dispose()  # no pooled connection crosses the fork
    barrier = context.Barrier(WORKERS)
    workers = [context.Process(target=_worker, args=(url, barrier)) for _ in range(WORKERS)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=300)
    assert [w.exitcode for w in workers] == [0] * WORKERS
    assert state(sessions) == expected_after_jobs(1)
