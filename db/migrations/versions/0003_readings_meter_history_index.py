"""readings: the per-meter history index carries status, quality, value and window (PostgreSQL INCLUDE), so a
meter's last accepted reading, its 12-month average and the additional-charge estimate read the index alone

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 12:10:00
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

COVERED = ["status", "quality", "value", "window_id"]


def upgrade() -> None:
    op.drop_index("ix_readings_meter_submitted", table_name="readings")
    op.create_index(
        "ix_readings_meter_submitted",
        "readings",
        ["meter_id", "submitted_at"],
        unique=False,
        postgresql_include=COVERED,
    )


def downgrade() -> None:
    op.drop_index("ix_readings_meter_submitted", table_name="readings")
    op.create_index("ix_readings_meter_submitted", "readings", ["meter_id", "submitted_at"], unique=False)
