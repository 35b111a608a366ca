"""The totals the staff pages read (core.rollups) equal the same figures recomputed from the ledger, after imports,
submissions, corrections, online payments, reversals, settled conflicts and a register change of street; parallel
writers lose no update. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import multiprocessing
from collections import defaultdict
from decimal import Decimal

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.pool import NullPool

from core import (
    conflict_resolution,
    dashboard,
    dashboard_payments,
    dashboard_readings,
    imports,
    readings,
    register_import,
    rollups,
)
from core.clock import KYIV
from db.engine import make_sessions
from db.models import (
    AccountBalance,
    ChargeMonthTotal,
    ImportConflict,
    Meter,
    Payment,
    PaymentDayTotal,
    Reading,
    WindowReadingTotal,
)
from tests.conftest import kyiv
from tests.integration.test_payments import consumer, new_intent, pay
from tests.integration.test_register_import import SEED, csv_bytes, utility  # noqa: F401 (fixture)

NOW = kyiv(2026, 11, 27, 12)


def _stored(session) -> dict[str, set[tuple]]:
    """Every total row, zero rows left out (a reading that stepped aside may leave one behind)."""
    return {
        "payments": {
            (r.day, r.service, r.channel, r.amount, r.payments) for r in session.scalars(select(PaymentDayTotal))
        },
        "charges": {
            (r.month, r.service, r.amount_to_pay, r.charges) for r in session.scalars(select(ChargeMonthTotal))
        },
        "readings": {
            (r.window_id, r.street, r.channel, r.accepted)
            for r in session.scalars(select(WindowReadingTotal))
            if r.accepted
        },
        "balances": {(r.account_id, r.service, r.charged, r.paid) for r in session.scalars(select(AccountBalance))},
    }


def kept_and_recounted(sessions) -> tuple[dict, dict]:
    """The totals as the write paths kept them, and as recounted from the ledger (rolled back)."""
    with sessions() as s:
        kept = _stored(s)
        rollups.rebuild(s)
        recounted = _stored(s)
        s.rollback()
    return kept, recounted


def test_totals_follow_every_write_path(utility, configure):
    sessions = utility
    configure(TEPLO_DEMO="1")
    with sessions() as s:
        meter = s.scalar(select(Meter).where(Meter.serial == "0812345"))
        seed_account = meter.account_id
    login = consumer(sessions, seed_account)
    # A consumer submits over the water utility's reading, staff correct it.
    readings.submit_reading(sessions, login, meter.id, "161,500", confirm_replace=True, now=NOW)
    with sessions() as s:
        standing = s.scalar(select(Reading.id).where(Reading.meter_id == meter.id, Reading.status == "accepted"))
    readings.correct_reading(sessions, standing, "161,400", "typo", actor="operator", now=NOW)
    # An online payment confirmed, another confirmed and given back by the provider.
    kept = new_intent(sessions, (seed_account, login), "95,17", service="hot_water", now=NOW)
    assert pay(sessions, kept.order_id, "95.17", now=NOW).outcome == "paid"
    back = new_intent(sessions, (seed_account, login), "10,00", service="hot_water", now=NOW)
    assert pay(sessions, back.order_id, "10.00", now=NOW).outcome == "paid"
    assert pay(sessions, back.order_id, "10.00", status="reversed", now=NOW).outcome == "reversed"
    # Files that contradict what is stored: conflicts, settled by a reversal and the corrected row.
    bank = "account_number;service;amount;paid_at;payment_ref;order_id\n"
    bank += f"{SEED};heating;1800,00;2026-11-25 10:15;PB-20261126-000001;\n{SEED};heating;7,00;2026-11-27 00:10;PB-X;\n"
    charges = "account_number;service;month;volume;tariff;amount;discount_percent;amount_to_pay\n"
    charges += f"{SEED};heating;2026-11;1,323;1679,08;2000,00;0;2000,00\n{SEED};heating;2026-10;1;1;55,00;0;55,00\n"
    water = "meter_serial;value;read_at;ref;account_number\n2611017;1,300;2026-11-26 09:35;VK-2026-11-000002;\n"
    for kind, text in (("bank", bank), ("charges", charges), ("readings", water)):
        imports.commit(sessions, kind, f"{kind}.csv", csv_bytes(text), actor="operator")
    with sessions() as s:
        open_ids = s.scalars(select(ImportConflict.id).where(ImportConflict.status == "open")).all()
    assert len(open_ids) == 3
    for conflict_id in open_ids:
        conflict_resolution.resolve(sessions, conflict_id, actor="operator")
    # The register moves the seed account to another street.
    accounts = "account_number;street;building;flat;residents;heating;hot_water;heated_area\n"
    accounts += f"{SEED};вул. Нова;1;1;2;1;1;62,40\n"
    register_import.commit(sessions, "accounts", "accounts.csv", csv_bytes(accounts), actor="operator")

    kept_totals, recounted = kept_and_recounted(sessions)
    assert kept_totals == recounted
    channels = {(street, channel) for _w, street, channel, _n in kept_totals["readings"]}
    assert ("вул. Нова", "staff") in channels and ("вул. Гулака-Артемовського", "water_utility") in channels
    assert ("вул. Нова", "water_utility") not in channels  # the utility's reading stepped aside for the consumer's
    assert any(amount < 0 for _d, _s, _c, amount, _n in kept_totals["payments"]) is False  # a day nets out
    assert_pages_match_ledger(sessions)


def assert_pages_match_ledger(sessions) -> None:
    """The staff pages' figures from the totals equal those summed from the payments themselves."""
    with sessions() as s:
        ledger = s.execute(select(Payment.paid_at, Payment.service, Payment.channel, Payment.amount)).all()
        for start, end in ((kyiv(2026, 11, 1), NOW), (kyiv(2026, 11, 26, 10, 15, 30), kyiv(2026, 11, 27, 0, 10))):
            expected = sum((p.amount for p in ledger if start <= p.paid_at < end), Decimal("0.00"))
            assert dashboard.paid_between(s, start, end) == expected
    for unit in dashboard.UNITS:
        expected_rows: dict[tuple, list] = defaultdict(lambda: [Decimal("0.00"), 0])
        for p in ledger:
            key = (dashboard.bucket_start(p.paid_at.astimezone(KYIV).date(), unit), p.service, p.channel)
            expected_rows[key][0] += p.amount
            expected_rows[key][1] += 1
        rows = dashboard_payments.payment_inflows(sessions, dt.date(2026, 1, 1), dt.date(2026, 12, 31), unit)
        assert {(r.bucket, r.service, r.channel): [r.amount, r.payments] for r in rows} == dict(expected_rows)
    months = dashboard_payments.payments_against_charges(sessions, dt.date(2026, 11, 1), dt.date(2026, 12, 1))
    assert [m.paid for m in months] == [
        sum((p.amount for p in ledger if p.paid_at.astimezone(KYIV).month == month), Decimal("0.00"))
        for month in (11, 12)
    ]
    [window] = dashboard_readings.readings_per_window(sessions, dt.date(2026, 11, 1), dt.date(2026, 11, 1))
    with sessions() as s:
        by_channel = dict(
            s.execute(
                select(Reading.channel, func.count())
                .where(Reading.window_id == window.window_id, Reading.status == "accepted")
                .group_by(Reading.channel)
            ).all()
        )
    assert window.by_channel == by_channel


# --- parallel writers --------------------------------------------------------------------------------------------

PROCESSES, FILES, ROWS = 4, 3, 20


def _import_in_process(url: str, worker: int, start, results) -> None:
    import os

    os.environ["TEPLO_NOW"] = "2026-11-27T12:00"
    engine = create_engine(url, poolclass=NullPool)
    try:
        start.wait(timeout=60)
        for part in range(FILES):
            rows = "".join(
                f"{SEED};heating;1,{row:02d};2026-11-26 10:{row:02d};P-{worker}-{part}-{row};\n" for row in range(ROWS)
            )
            text = "account_number;service;amount;paid_at;payment_ref;order_id\n" + rows
            done = imports.commit(make_sessions(engine), "bank", f"w{worker}-{part}.csv", csv_bytes(text), "operator")
            results.put(done.rows_added)
    finally:
        engine.dispose()


@pytest.mark.parallel_processes
def test_parallel_imports_lose_no_update(configure, engine, world):
    """Several processes import bank files at once, every row landing on the same day's total."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time")
    configure(TEPLO_NOW="2026-11-27T12:00")
    world.account(SEED)
    context = multiprocessing.get_context("fork")
    engine.dispose()  # no pooled connection crosses the fork
    start, results = context.Barrier(PROCESSES), context.Queue()
    url = engine.url.render_as_string(hide_password=False)
    workers = [context.Process(target=_import_in_process, args=(url, n, start, results)) for n in range(PROCESSES)]
    for worker in workers:
        worker.start()
    added = [results.get(timeout=180) for _ in range(PROCESSES * FILES)]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    assert added == [ROWS] * (PROCESSES * FILES)
    kept, recounted = kept_and_recounted(world.sessions)
    assert kept == recounted
    [(day, _service, _channel, amount, count)] = kept["payments"]
    assert (day, count) == (dt.date(2026, 11, 26), PROCESSES * FILES * ROWS)
    assert amount == PROCESSES * FILES * sum(Decimal(f"1.{row:02d}") for row in range(ROWS))


def test_the_migration_fills_the_totals_from_the_rows_stored(engine, world):
    """Migration 0016 on a database that has a ledger: the totals it fills equal the recount (Kyiv days in SQL)."""
    from db.migrate import downgrade, upgrade

    a = world.account(SEED)
    meter = world.meter(a, "0812345")
    window = world.window(dt.date(2026, 11, 1))
    world.charge(a, "heating", dt.date(2026, 10, 1), "1500.00")
    world.charge(a, "hot_water", dt.date(2026, 10, 1), "99.99")
    world.payment(a, "heating", "900.00", kyiv(2026, 11, 10, 0, 30))  # 22:30 UTC the day before
    world.payment(a, "heating", "-100.00", kyiv(2026, 11, 10, 23, 59), channel="cabinet")
    world.reading(meter, window, "102.000", kyiv(2026, 11, 26, 1, 30), channel="cabinet")
    downgrade(engine, "0015")
    upgrade(engine)
    kept, recounted = kept_and_recounted(world.sessions)
    assert kept == recounted
    assert {(day, channel, amount) for day, _s, channel, amount, _n in kept["payments"]} == {
        (dt.date(2026, 11, 10), "bank", Decimal("900.00")),
        (dt.date(2026, 11, 10), "cabinet", Decimal("-100.00")),
    }
    assert len(kept["charges"]) == 2 and len(kept["readings"]) == 1


STREETS = 8


def _readings_import_in_process(url: str, worker: int, start, results) -> None:
    import os

    os.environ["TEPLO_NOW"] = "2026-11-27T12:00"
    engine = create_engine(url, poolclass=NullPool)
    try:
        order = range(STREETS) if worker % 2 == 0 else reversed(range(STREETS))
        rows = "".join(
            f"09{worker}{street};150,000;2026-11-26 10:{street:02d};R-{worker}-{street};\n" for street in order
        )
        text = "meter_serial;value;read_at;ref;account_number\n" + rows
        start.wait(timeout=60)
        done = imports.commit(make_sessions(engine), "readings", f"r{worker}.csv", csv_bytes(text), "operator")
        results.put(done.rows_added)
    finally:
        engine.dispose()


@pytest.mark.parallel_processes
def test_parallel_readings_imports_on_the_same_streets_all_commit(configure, engine, world):
    """Readings imports whose rows cross the same streets in opposite orders all commit, and the window totals equal
    the recount: each import counts its rows' standing readings after its last row, in key order, so no two of them
    wait on each other's street totals (a deadlock would roll one back)."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time")
    configure(TEPLO_NOW="2026-11-27T12:00")
    world.window(dt.date(2026, 11, 1))
    for worker in range(PROCESSES):
        for street in range(STREETS):
            account = world.account(
                f"11202000{worker}{street:02d}00", address=f"вул. Тестова {street}, 1, кв. {worker}"
            )
            world.meter(account, f"09{worker}{street}")
    context = multiprocessing.get_context("fork")
    engine.dispose()  # no pooled connection crosses the fork
    start, results = context.Barrier(PROCESSES), context.Queue()
    url = engine.url.render_as_string(hide_password=False)
    workers = [
        context.Process(target=_readings_import_in_process, args=(url, n, start, results)) for n in range(PROCESSES)
    ]
    for worker in workers:
        worker.start()
    added = [results.get(timeout=180) for _ in range(PROCESSES)]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    assert added == [STREETS] * PROCESSES
    kept, recounted = kept_and_recounted(world.sessions)
    assert kept == recounted
    assert sorted(n for *_key, n in kept["readings"]) == [PROCESSES] * STREETS
