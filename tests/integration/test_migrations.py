"""The Alembic migrations produce exactly the schema the models describe, on SQLite and PostgreSQL."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from db.migrate import downgrade, upgrade
from db.models import Base


def test_migrations_match_models(engine):
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []


def test_downgrade_and_upgrade_again(sqlite_engine):
    downgrade(sqlite_engine, "base")
    upgrade(sqlite_engine)
    with sqlite_engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
