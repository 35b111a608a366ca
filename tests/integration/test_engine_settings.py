"""How the project's PostgreSQL connections are set up (db.engine.make_engine), and the statements they prepare
(db.prepared)."""

import datetime as dt
from decimal import Decimal

import pytest

from core import meter_history, readings
from core.errors import DomainError
from db.engine import make_engine, make_sessions
from tests.conftest import World, _truncate, kyiv, register_consumer

IN_WINDOW = kyiv(2020, 2, 27, 10)  # the February 2020 window


def test_postgresql_connections_run_without_jit_inside_and_outside_transactions(pg_engine):
    # Set once per connection on connect, in autocommit, so a rolled-back transaction cannot undo it.
    with pg_engine.connect() as connection:
        assert connection.exec_driver_sql("SHOW jit").scalar() == "off"
        connection.rollback()
        assert connection.exec_driver_sql("SHOW jit").scalar() == "off"
    with pg_engine.begin() as connection:
        assert connection.exec_driver_sql("SHOW jit").scalar() == "off"


def test_pooled_connections_dropped_by_a_database_restart_are_replaced_on_the_next_use(pg_engine):
    """After a restart every pooled connection is dead; the next unit of work must not fail on one of them."""
    from db.engine import make_engine

    engine = make_engine(pg_engine.url.render_as_string(hide_password=False))
    try:
        with engine.connect() as connection:  # one connection now waits in the pool
            pid = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        with pg_engine.connect() as admin:  # what a restart does to it
            assert admin.exec_driver_sql(f"SELECT pg_terminate_backend({int(pid)})").scalar()
        with engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT pg_backend_pid()").scalar() != pid
    finally:
        engine.dispose()


def test_the_process_pool_has_the_configured_size(pg_engine, configure):
    """TEPLO_DB_POOL_SIZE connections kept and TEPLO_DB_MAX_OVERFLOW more at a peak: sized so that every replica, the
    jobs and the backup fit in the server's connections. TEPLO_DB_PREPARE=off reaches the engine too."""
    from db import engine as db_engine
    from ui import resources

    url = pg_engine.url.render_as_string(hide_password=False)
    configure(DATABASE_URL=url, TEPLO_DB_POOL_SIZE="2", TEPLO_DB_MAX_OVERFLOW="1", TEPLO_DB_PREPARE="off")
    db_engine.shared_sessions("sqlite:///:memory:")  # a pool made before with other settings is let go
    engine = resources.engine()
    try:
        assert engine is not pg_engine and engine.pool.size() == 2
        held = [engine.connect() for _ in range(3)]
        assert engine.pool.overflow() == 1
        assert held[0].exec_driver_sql("SHOW plan_cache_mode").scalar() == "auto"  # nothing will be prepared
        for connection in held:
            connection.close()
        assert engine.pool.checkedin() == 2  # the one beyond the pool was closed
    finally:
        engine.dispose()
        db_engine.shared_sessions("sqlite:///:memory:")  # and so is this test's small one


def _prepared_on(connection) -> dict[str, tuple[int, int]]:
    rows = connection.exec_driver_sql("SELECT name, generic_plans, custom_plans FROM pg_prepared_statements").all()
    return {name: (generic, custom) for name, generic, custom in rows}


@pytest.fixture
def submitting(pg_engine):
    """A consumer with a hot-water meter in an open window, on PostgreSQL, and a fresh engine made as the apps make
    theirs (db.engine), so its connections start with nothing prepared."""
    _truncate(pg_engine)
    sessions = make_sessions(pg_engine)
    world = World(sessions)
    meter_id = world.meter(world.account())
    world.window(dt.date(2020, 2, 1))
    login_id = register_consumer(sessions, "olena@example.com", amount=None, meter="0812345", now=IN_WINDOW)
    return pg_engine.url.render_as_string(hide_password=False), login_id, meter_id


@pytest.mark.parametrize("prepare", [True, False])
def test_a_submission_is_planned_once_per_connection_unless_switched_off(submitting, prepare):
    """The submission's two reads are planned once per connection and their generic plan serves every later
    submission (db.prepared); TEPLO_DB_PREPARE=off (a transaction-mode pooler) prepares nothing, with the same
    receipts. A prepared statement outlives a rolled-back transaction, so the next one finds it."""
    url, login_id, meter_id = submitting
    engine = make_engine(url, prepare=prepare, pool_size=1, max_overflow=0)  # one connection: every run shares it
    sessions = make_sessions(engine)
    try:
        values = ["111,000", "111,500", "112,000"]
        receipts = [
            readings.submit_reading(sessions, login_id, meter_id, value, confirm_replace=True, now=IN_WINDOW)
            for value in values
        ]
        assert [r.value for r in receipts] == [Decimal("111.000"), Decimal("111.500"), Decimal("112.000")]
        assert [r.replaced for r in receipts] == [None, Decimal("111.000"), Decimal("111.500")]
        with pytest.raises(DomainError):  # below the standing reading's predecessor: refused, rolled back
            readings.submit_reading(sessions, login_id, meter_id, "50", confirm_replace=True, now=IN_WINDOW)
        receipt = readings.submit_reading(sessions, login_id, meter_id, "113", confirm_replace=True, now=IN_WINDOW)
        assert receipt.replaced == Decimal("112.000")
        with engine.connect() as connection:
            prepared = _prepared_on(connection)
            assert connection.exec_driver_sql("SHOW plan_cache_mode").scalar() == (
                "force_generic_plan" if prepare else "auto"
            )
        if prepare:
            # Five submissions on one connection, one refused after both reads: each read run five times, all on the
            # one generic plan.
            assert prepared == {"teplo_submission_context": (5, 0), "teplo_meter_history": (5, 0)}
        else:
            assert prepared == {}
    finally:
        engine.dispose()


def test_a_prepared_statement_reads_the_same_rows_as_the_plain_one(pg_engine):
    """A meter's history, prepared or not, for meters with and without a past and a replaced meter's account."""
    _truncate(pg_engine)
    sessions = make_sessions(pg_engine)
    world = World(sessions)
    meter_id = world.meter(world.account())
    window = world.window(dt.date(2020, 2, 1))
    for i, period in enumerate([dt.date(2019, 11, 1), dt.date(2019, 12, 1), dt.date(2020, 1, 1)]):
        world.reading(meter_id, world.window(period), f"{103 + 3 * i}.000", kyiv(2019 + (i > 1), period.month, 28))
    engine = make_engine(pg_engine.url.render_as_string(hide_password=False), pool_size=1, max_overflow=0)
    try:
        with engine.connect() as connection:
            for at in (IN_WINDOW, kyiv(2019, 12, 1), kyiv(2019, 1, 1)):
                values = {
                    "meter_id": meter_id,
                    "window_id": window,
                    "period": dt.date(2020, 2, 1),
                    "at": at,
                    "cutoff": at - dt.timedelta(days=365),
                    "day": at.date(),
                }
                plain = connection.execute(meter_history._HISTORY.statement, values).all()
                for _ in range(2):
                    assert meter_history._HISTORY.execute(connection, values).all() == plain
            assert "teplo_meter_history" in _prepared_on(connection)
    finally:
        engine.dispose()
