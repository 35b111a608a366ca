"""import conflicts; corrections as reversal + replacement rows for payments and charges

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 18:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0013"
branch_labels = None
depends_on = None

ORIGINAL = "reverses_id IS NULL AND replaces_id IS NULL"


def upgrade() -> None:
    op.add_column("import_batches", sa.Column("rows_conflict", sa.Integer(), server_default="0", nullable=False))
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reverses_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("replaces_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_payments_reverses_id_payments", "payments", ["reverses_id"], ["id"])
        batch_op.create_foreign_key("fk_payments_replaces_id_payments", "payments", ["replaces_id"], ["id"])
        batch_op.create_index("uq_payments_reverses_id", ["reverses_id"], unique=True)
        batch_op.create_index("ix_payments_replaces_id", ["replaces_id"], unique=False)

    with op.batch_alter_table("charges", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reverses_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("replaces_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_charges_reverses_id_charges", "charges", ["reverses_id"], ["id"])
        batch_op.create_foreign_key("fk_charges_replaces_id_charges", "charges", ["replaces_id"], ["id"])
        batch_op.drop_constraint("uq_charge_account_service_month", type_="unique")
        batch_op.create_index("uq_charges_reverses_id", ["reverses_id"], unique=True)
        batch_op.create_index("ix_charges_replaces_id", ["replaces_id"], unique=False)
    op.create_index(
        "uq_charge_account_service_month",
        "charges",
        ["account_id", "service", "month"],
        unique=True,
        sqlite_where=sa.text(ORIGINAL),
        postgresql_where=sa.text(ORIGINAL),
    )

    op.create_table(
        "import_conflicts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("stored_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("stored", sa.Text(), nullable=False),
        sa.Column("incoming", sa.Text(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("import_batch_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_by", sa.String(length=120), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("corrected_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"]),
        sa.ForeignKeyConstraint(["import_batch_id"], ["import_batches.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "key", "fingerprint", name="uq_import_conflict_kind_key_fingerprint"),
    )
    op.create_index("ix_import_conflicts_status", "import_conflicts", ["status", "created_at"], unique=False)
    op.create_index("ix_import_conflicts_account_id", "import_conflicts", ["account_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_import_conflicts_account_id", table_name="import_conflicts")
    op.drop_index("ix_import_conflicts_status", table_name="import_conflicts")
    op.drop_table("import_conflicts")
    op.drop_index("uq_charge_account_service_month", table_name="charges")
    with op.batch_alter_table("charges", schema=None) as batch_op:
        batch_op.drop_index("ix_charges_replaces_id")
        batch_op.drop_index("uq_charges_reverses_id")
        batch_op.drop_constraint("fk_charges_replaces_id_charges", type_="foreignkey")
        batch_op.drop_constraint("fk_charges_reverses_id_charges", type_="foreignkey")
        batch_op.drop_column("replaces_id")
        batch_op.drop_column("reverses_id")
        batch_op.create_unique_constraint("uq_charge_account_service_month", ["account_id", "service", "month"])
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_index("ix_payments_replaces_id")
        batch_op.drop_index("uq_payments_reverses_id")
        batch_op.drop_constraint("fk_payments_replaces_id_payments", type_="foreignkey")
        batch_op.drop_constraint("fk_payments_reverses_id_payments", type_="foreignkey")
        batch_op.drop_column("replaces_id")
        batch_op.drop_column("reverses_id")
    with op.batch_alter_table("import_batches", schema=None) as batch_op:
        batch_op.drop_column("rows_conflict")
