"""The Alembic migrations produce exactly the schema the models describe, on SQLite and PostgreSQL."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from db.migrate import downgrade, upgrade
from db.models import Base

# The look-up's expression indexes are PostgreSQL's alone (db.models), where they are compared; SQLite cannot reflect
# expression indexes, and Alembic says so for every comparison there.
pytestmark = pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index")


def test_migrations_match_models(engine):
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []


def test_downgrade_and_upgrade_again(sqlite_engine):
    downgrade(sqlite_engine, "base")
    upgrade(sqlite_engine)
    with sqlite_engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []


def test_the_standing_reading_migration_resolves_existing_duplicates(sqlite_engine):
    """Races left three accepted readings of one meter in one window: the latest-dated stands, the others are
    superseded by it, and the unique index then holds."""
    from sqlalchemy import text

    downgrade(sqlite_engine, "0006")
    with sqlite_engine.begin() as c:
        c.execute(
            text(
                "INSERT INTO accounts (id, number, street, building, address, heated_area, residents, "
                "has_heating, has_hot_water, created_at) VALUES (1, '1120200001000', 's', '1', 'a', 1, 1, 1, 1, "
                "'2019-01-01 00:00:00')"
            )
        )
        c.execute(
            text(
                "INSERT INTO meters (id, account_id, serial, service, unit, initial_value, installed_on) "
                "VALUES (1, 1, 'M', 'hot_water', 'm3', 0, '2018-01-01')"
            )
        )
        c.execute(
            text(
                "INSERT INTO reading_windows (id, period, opens_at, closes_at) "
                "VALUES (1, '2026-10-01', '2026-10-24 21:00:00', '2026-11-03 22:00:00')"
            )
        )
        for rid, at, channel in (
            (1, "2026-11-02 08:00:00", "cabinet"),
            (2, "2026-10-26 08:00:00", "water_utility"),
            (3, "2026-11-01 08:00:00", "cabinet"),
        ):
            c.execute(
                text(
                    "INSERT INTO readings (id, meter_id, window_id, value, consumption, submitted_at, channel, "
                    "status, quality, flagged, receipt_number) VALUES (:id, 1, 1, 100 + :id, 1, :at, :ch, "
                    "'accepted', 'actual', 0, :r)"
                ),
                {"id": rid, "at": at, "ch": channel, "r": f"R{rid}"},
            )
    upgrade(sqlite_engine)
    with sqlite_engine.connect() as c:
        rows = {
            r.id: (r.status, r.superseded_by_id)
            for r in c.execute(text("SELECT id, status, superseded_by_id FROM readings"))
        }
    assert rows == {1: ("accepted", None), 2: ("superseded", 1), 3: ("superseded", 1)}
