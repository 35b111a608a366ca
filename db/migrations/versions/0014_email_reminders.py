"""e-mail reminders: consumers' consent, and each reminder claimed once per login, kind and period

Revision ID: 0014
Revises: 0008
Create Date: 2026-11-29 20:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reminder_consents",
        sa.Column("login_id", sa.Integer(), nullable=False),
        sa.Column("consented_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("charges_seen_through", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["login_id"], ["consumer_logins.id"]),
        sa.PrimaryKeyConstraint("login_id"),
    )
    op.create_table(
        "reminder_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("login_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("window_id", sa.Integer(), nullable=True),
        sa.Column("address", sa.String(length=120), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("claim_token", sa.String(length=32), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=255), nullable=True),
        sa.Column("subject", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["login_id"], ["consumer_logins.id"]),
        sa.ForeignKeyConstraint(["window_id"], ["reading_windows.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("login_id", "kind", "period", name="uq_reminder_login_kind_period"),
    )
    with op.batch_alter_table("reminder_deliveries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reminder_deliveries_login_id"), ["login_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("reminder_deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reminder_deliveries_login_id"))
    op.drop_table("reminder_deliveries")
    op.drop_table("reminder_consents")
