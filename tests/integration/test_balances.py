"""The overview's total debt from the balances kept with each money write, and its figure a month ago from a
record: the same as summed from every row, and never stale after a write dated before the record (SQLite and
PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from core import balances, dashboard, imports
from core.clock import kyiv_midnight
from db.models import DebtRecord
from tests.integration.test_dashboard import NOW, build

OCTOBER_27 = dt.date(2026, 10, 27)  # the day the overview of 27 November compares with


@pytest.fixture
def town(configure, world):
    configure(TEPLO_NOW="2026-11-27T12:00")
    return build(world)


def records(world) -> dict[dt.date, Decimal]:
    with world.sessions() as s:
        return dict(s.execute(select(DebtRecord.day, DebtRecord.debt)).tuples().all())


def utf8(text: str) -> bytes:
    return text.replace("\n", "\r\n").encode("utf-8")


def bank(sessions, name: str, line: str) -> None:
    imports.commit(
        sessions, "bank", name, utf8("account_number;service;amount;paid_at;payment_ref\n" + line), actor="operator"
    )


def test_the_debt_is_the_sum_of_positive_balances_and_a_month_ago_is_recorded_once(town):
    world = town.world
    with world.sessions() as s:
        assert balances.current_debt(s) == Decimal("900.00")  # hand-computed in test_dashboard
        assert balances.debts_at(s, NOW, kyiv_midnight(OCTOBER_27)) == [Decimal("900.00"), Decimal("100.00")]
    assert balances.compared_day(NOW) == OCTOBER_27
    assert records(world) == {}
    overview = dashboard.overview(world.sessions, now=NOW)
    assert (overview.debt, overview.previous_debt) == (Decimal("900.00"), Decimal("100.00"))
    assert records(world) == {OCTOBER_27: Decimal("100.00")}
    # The record is what the next overview reads: changed by hand, the figure follows it.
    with world.sessions.begin() as s:
        s.get_one(DebtRecord, OCTOBER_27).debt = Decimal("123.45")
    assert dashboard.overview(world.sessions, now=NOW).previous_debt == Decimal("123.45")


def test_a_write_dated_before_a_record_drops_it_and_one_dated_after_leaves_it(town):
    world = town.world
    balances.debt_at_start_of(world.sessions, OCTOBER_27)
    # A payment of 20 November changes the debt now, not on 27 October ...
    bank(world.sessions, "nov.csv", "1120200001002;heating;50,00;2026-11-20 10:00;N-1\n")
    assert records(world) == {OCTOBER_27: Decimal("100.00")}
    with world.sessions() as s:
        assert balances.current_debt(s) == Decimal("850.00")  # C: 700 − 500 − 50
    # ... one of 20 September changes both: the record is dropped, summed again when next asked for.
    bank(world.sessions, "sep.csv", "1120200001000;heating;100,00;2026-09-20 10:00;S-1\n")
    assert records(world) == {}
    overview = dashboard.overview(world.sessions, now=NOW)
    assert (overview.debt, overview.previous_debt) == (
        Decimal("750.00"),
        Decimal("0.00"),
    )  # A: 2500 − 2000; 1000 − 1000
    # A charge for August counts from 1 September: the record of 27 October goes again.
    imports.commit(
        world.sessions,
        "charges",
        "aug.csv",
        utf8("account_number;service;month;volume;tariff;amount\n1120200001003;heating;2026-08;1;1;40,00\n"),
        actor="operator",
    )
    assert records(world) == {}
    assert balances.debt_at_start_of(world.sessions, OCTOBER_27) == Decimal("40.00")
    # A charge for November counts from 1 December: the record stays.
    imports.commit(
        world.sessions,
        "charges",
        "nov.csv",
        utf8("account_number;service;month;volume;tariff;amount\n1120200001003;heating;2026-11;1;1;10,00\n"),
        actor="operator",
    )
    assert records(world) == {OCTOBER_27: Decimal("40.00")}


def test_a_preview_leaves_the_record_in_place(town):
    world = town.world
    balances.debt_at_start_of(world.sessions, OCTOBER_27)
    imports.preview(
        world.sessions,
        "bank",
        "sep.csv",
        utf8("account_number;service;amount;paid_at;payment_ref\n1120200001000;heating;100,00;2026-09-20 10:00;S-1\n"),
    )
    assert records(world) == {OCTOBER_27: Decimal("100.00")}


def test_the_nightly_job_records_today_and_tomorrow_and_forgets_old_records(town):
    world = town.world
    with world.sessions.begin() as s:
        s.add(DebtRecord(day=dt.date(2026, 8, 1), debt=Decimal("1.00"), recorded_at=NOW))
    assert balances.record(world.sessions, now=NOW) == [OCTOBER_27, dt.date(2026, 10, 28)]
    assert records(world) == {OCTOBER_27: Decimal("100.00"), dt.date(2026, 10, 28): Decimal("100.00")}


@pytest.mark.parametrize(
    ("today", "compared"),
    [
        (dt.date(2026, 11, 27), dt.date(2026, 10, 27)),
        (dt.date(2026, 3, 31), dt.date(2026, 2, 28)),  # February is shorter: its last day
        (dt.date(2026, 1, 1), dt.date(2025, 12, 1)),
        (dt.date(2028, 3, 30), dt.date(2028, 2, 29)),
    ],
)
def test_the_day_compared_with_is_the_same_day_last_month(today, compared):
    assert balances.compared_day(kyiv_midnight(today) + dt.timedelta(hours=23, minutes=59)) == compared


# --- parallel writers and records ------------------------------------------------------------------------------

ACCOUNTS = [f"11202000090{n:02d}" for n in range(6)]
ROUNDS = 6


def _writer_in_process(url: str, worker: int, start, results) -> None:
    """Worker 0 and 1: bank files over every account, in opposite orders, dated before the record; worker 2: a
    billing file per round; worker 3: drops the record and has it summed again, round after round."""
    import os

    from sqlalchemy import create_engine, delete
    from sqlalchemy.pool import NullPool

    from db.engine import make_sessions

    os.environ["TEPLO_NOW"] = "2026-11-27T12:00"
    engine = create_engine(url, poolclass=NullPool)
    sessions = make_sessions(engine)
    try:
        start.wait(timeout=60)
        for round_ in range(ROUNDS):
            if worker in (0, 1):
                numbers = ACCOUNTS if worker == 0 else ACCOUNTS[::-1]
                lines = "".join(
                    f"{n};heating;{worker + 1},{round_:02d};2026-10-{10 + round_} 10:00;W{worker}-{round_}-{n}\n"
                    for n in numbers
                )
                bank(sessions, f"w{worker}-{round_}.csv", lines)
            elif worker == 2:
                month = f"2026-{round_ + 1:02d}"  # January to June: each counts from the month after
                lines = "".join(f"{n};heating;{month};1;1;7,{round_:02d}\n" for n in ACCOUNTS[::-1])
                imports.commit(
                    sessions,
                    "charges",
                    f"c{round_}.csv",
                    utf8("account_number;service;month;volume;tariff;amount\n" + lines),
                    actor="operator",
                )
            else:
                with sessions.begin() as s:
                    s.execute(delete(DebtRecord))
                balances.debt_at_start_of(sessions, OCTOBER_27)
        results.put(worker)
    finally:
        engine.dispose()


@pytest.mark.parallel_processes
def test_parallel_money_writes_keep_the_balances_and_the_record_right(configure, engine, world):
    """Payments and charges written for before the record by parallel imports, while the record is summed again and
    again: every import commits (balances are locked in one order), the balances equal the recount, and a record
    left standing equals the debt summed from the rows afterwards."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time")
    import multiprocessing

    from tests.integration.test_rollups import kept_and_recounted

    configure(TEPLO_NOW="2026-11-27T12:00")
    for number in ACCOUNTS:
        account = world.account(number)
        world.charge(account, "heating", dt.date(2026, 9, 1), "100.00")
    context = multiprocessing.get_context("fork")
    engine.dispose()  # no pooled connection crosses the fork
    start, results = context.Barrier(4), context.Queue()
    url = engine.url.render_as_string(hide_password=False)
    workers = [context.Process(target=_writer_in_process, args=(url, n, start, results)) for n in range(4)]
    for worker in workers:
        worker.start()
    assert sorted(results.get(timeout=180) for _ in workers) == [0, 1, 2, 3]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    kept, recounted = kept_and_recounted(world.sessions)
    assert kept["balances"] == recounted["balances"]
    with world.sessions() as s:
        [expected] = balances.debts_at(s, kyiv_midnight(OCTOBER_27))
    assert records(world) in ({}, {OCTOBER_27: expected})
    assert balances.debt_at_start_of(world.sessions, OCTOBER_27) == expected
    # Per account: September's 100,00 and January to June's 7,rr, less each round's 1,rr and 2,rr of October.
    per_account = Decimal("100.00") + sum(
        Decimal(f"7.{r:02d}") - Decimal(f"1.{r:02d}") - Decimal(f"2.{r:02d}") for r in range(ROUNDS)
    )
    assert expected == len(ACCOUNTS) * per_account
