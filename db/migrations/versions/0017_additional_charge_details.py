"""additional charges: the residents, months without readings, average and days each estimate was made of, so a
processed window's list is read from its rows instead of being estimated again from the readings' history

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30 03:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("additional_charges") as table:
        table.add_column(sa.Column("residents", sa.Integer(), nullable=True))
        table.add_column(sa.Column("months_without", sa.Integer(), nullable=True))
        # m³ a day to six places; integer millionths on SQLite, like every fixed-point column there (db.models.Fixed)
        table.add_column(sa.Column("average_daily", sa.Numeric(12, 6), nullable=True))
        table.add_column(sa.Column("days", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("additional_charges") as table:
        for name in ("days", "average_daily", "months_without", "residents"):
            table.drop_column(name)
