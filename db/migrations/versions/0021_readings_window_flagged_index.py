"""a partial index of the readings flagged for review, per window

The additional-charges page lists a window's flagged readings; without it the window's every reading was read for
them (0.6 s at a million accounts).

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-30 11:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

WHERE = sa.text("flagged AND status = 'accepted'")


def upgrade() -> None:
    op.create_index("ix_readings_window_flagged", "readings", ["window_id"], postgresql_where=WHERE, sqlite_where=WHERE)


def downgrade() -> None:
    op.drop_index("ix_readings_window_flagged", table_name="readings")
