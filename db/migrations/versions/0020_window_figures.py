"""window figures: a closed window's metered accounts and those with a reading, summed once and kept

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-30 11:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "window_figures",
        sa.Column("window_id", sa.Integer(), sa.ForeignKey("reading_windows.id"), primary_key=True),
        sa.Column("submitted", sa.Integer(), nullable=False),
        sa.Column("metered", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("window_figures")
