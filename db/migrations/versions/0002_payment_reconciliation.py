"""payment intents: expiry and provider status; registry_matches: how each bank-registry row was reconciled

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 11:13:36.017336
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "registry_matches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("import_batch_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("external_ref", sa.String(length=80), nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=True),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("service", sa.String(length=16), nullable=False),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("issue", sa.String(length=32), nullable=True),
        sa.Column("intent_id", sa.Integer(), nullable=True),
        sa.Column("payment_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
        ),
        sa.ForeignKeyConstraint(
            ["import_batch_id"],
            ["import_batches.id"],
        ),
        sa.ForeignKeyConstraint(
            ["intent_id"],
            ["payment_intents.id"],
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"],
            ["payments.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source", "external_ref", name="uq_registry_match_source_ref"),
    )
    with op.batch_alter_table("registry_matches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_registry_matches_import_batch_id"), ["import_batch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_registry_matches_intent_id"), ["intent_id"], unique=False)
        batch_op.create_index("ix_registry_matches_paid_at", ["paid_at"], unique=False)

    with op.batch_alter_table("payment_intents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("provider_status", sa.String(length=32), nullable=True))
        batch_op.create_index("ix_intents_status_paid", ["status", "paid_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("payment_intents", schema=None) as batch_op:
        batch_op.drop_index("ix_intents_status_paid")
        batch_op.drop_column("provider_status")
        batch_op.drop_column("expires_at")

    with op.batch_alter_table("registry_matches", schema=None) as batch_op:
        batch_op.drop_index("ix_registry_matches_paid_at")
        batch_op.drop_index(batch_op.f("ix_registry_matches_intent_id"))
        batch_op.drop_index(batch_op.f("ix_registry_matches_import_batch_id"))

    op.drop_table("registry_matches")
