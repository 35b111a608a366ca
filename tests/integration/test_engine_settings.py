"""How the project's PostgreSQL connections are set up (db.engine.make_engine)."""


def test_postgresql_connections_run_without_jit_inside_and_outside_transactions(pg_engine):
    # Set once per connection on connect, in autocommit, so a rolled-back transaction cannot undo it.
    with pg_engine.connect() as connection:
        assert connection.exec_driver_sql("SHOW jit").scalar() == "off"
        connection.rollback()
        assert connection.exec_driver_sql("SHOW jit").scalar() == "off"
    with pg_engine.begin() as connection:
        assert connection.exec_driver_sql("SHOW jit").scalar() == "off"
