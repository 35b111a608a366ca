"""window metered: a window's metered accounts, counted once and kept until the register changes

The open window's metered accounts were counted on each view of the overview and the readings page, three times
for the two pages (0.6 s each at a million accounts); they change only with the register.

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-30 14:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "window_metered",
        sa.Column("window_id", sa.Integer(), sa.ForeignKey("reading_windows.id"), primary_key=True),
        sa.Column("metered", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("window_metered")
