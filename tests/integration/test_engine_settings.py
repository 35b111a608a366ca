"""How the project's PostgreSQL connections are set up (db.engine.make_engine)."""


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
    jobs and the backup fit in the server's connections."""
    from db import engine as db_engine
    from ui import resources

    url = pg_engine.url.render_as_string(hide_password=False)
    configure(DATABASE_URL=url, TEPLO_DB_POOL_SIZE="2", TEPLO_DB_MAX_OVERFLOW="1")
    db_engine.shared_sessions("sqlite:///:memory:")  # a pool made before with other settings is let go
    engine = resources.engine()
    try:
        assert engine is not pg_engine and engine.pool.size() == 2
        held = [engine.connect() for _ in range(3)]
        assert engine.pool.overflow() == 1
        for connection in held:
            connection.close()
        assert engine.pool.checkedin() == 2  # the one beyond the pool was closed
    finally:
        engine.dispose()
        db_engine.shared_sessions("sqlite:///:memory:")  # and so is this test's small one
