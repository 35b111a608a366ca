"""readings' window index carries submitted_at, so a window's readings up to a moment come from the index alone

The overview compares this window with the previous one at the same point of its course: the accounts that had
submitted by then. Without the time in the index, PostgreSQL walked every meter's history instead (1.9 s at a million
accounts; 0.4 s with it).

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-30 11:20:00
"""

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite has no INCLUDE: its index stays as it is
    op.drop_index("ix_readings_window_status_meter", table_name="readings")
    op.create_index(
        "ix_readings_window_status_meter",
        "readings",
        ["window_id", "status", "meter_id"],
        postgresql_include=["submitted_at"],
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_readings_window_status_meter", table_name="readings")
    op.create_index("ix_readings_window_status_meter", "readings", ["window_id", "status", "meter_id"])
