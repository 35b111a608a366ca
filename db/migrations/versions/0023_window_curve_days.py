"""window curve days: a closed window's submission curve, counted once and kept

The readings page draws the chosen window's curve and the previous window's beside it; a closed window's was
counted from its readings on every view (0.24 s at 80,000 accounts, growing with the city).

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-30 20:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "window_curve_days",
        sa.Column("window_id", sa.Integer(), sa.ForeignKey("reading_windows.id"), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("accounts", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("window_curve_days")
