"""the register: accounts can be closed (history kept), tariffs and norms per period, changed rows per import

Revision ID: 0013
Revises: 0006
Create Date: 2026-11-29 17:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("closed_on", sa.Date(), nullable=True))
    with op.batch_alter_table("import_batches") as batch:
        batch.add_column(sa.Column("rows_changed", sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "tariffs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("service", sa.String(length=16), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("tariff", sa.Numeric(precision=12, scale=4), nullable=True),
        sa.Column("norm", sa.Numeric(precision=12, scale=3), nullable=True),
        sa.Column("import_batch_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["import_batch_id"], ["import_batches.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("service", "valid_from", name="uq_tariff_service_valid_from"),
    )


def downgrade() -> None:
    op.drop_table("tariffs")
    with op.batch_alter_table("import_batches") as batch:
        batch.drop_column("rows_changed")
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("closed_on")
