"""account balances kept with each money write, and recorded total debts, replacing the balance snapshot

The total debt sums every account's positive balance. The snapshot (0006) still left the months since it to add
from the ledger, and a nightly job to take it; a balance per account and service kept in the transaction of each
charge and payment leaves one row per account and service to read, always current.

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-30 11:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

MONEY = sa.Numeric(12, 2)  # integer kopecks on SQLite, like every money column there (db.models.Fixed)


def upgrade() -> None:
    op.create_table(
        "account_balances",
        sa.Column("account_id", sa.Integer(), sa.ForeignKey("accounts.id"), primary_key=True),
        sa.Column("service", sa.String(16), primary_key=True),
        sa.Column("charged", MONEY, nullable=False),
        sa.Column("paid", MONEY, nullable=False),
    )
    op.create_table(
        "debt_records",
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("debt", MONEY, nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.execute(
        """INSERT INTO account_balances (account_id, service, charged, paid)
        SELECT account_id, service, SUM(charged), SUM(paid) FROM (
            SELECT account_id, service, SUM(amount_to_pay) AS charged, 0 AS paid FROM charges
            GROUP BY account_id, service
            UNION ALL
            SELECT account_id, service, 0, SUM(amount) FROM payments GROUP BY account_id, service
        ) AS movements GROUP BY account_id, service"""
    )
    op.drop_table("balance_snapshots")


def downgrade() -> None:
    op.create_table(
        "balance_snapshots",
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("service", sa.String(length=16), nullable=False),
        sa.Column("charged", MONEY, nullable=False),
        sa.Column("paid", MONEY, nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"]),
        sa.PrimaryKeyConstraint("as_of", "account_id", "service"),
    )
    op.drop_table("debt_records")
    op.drop_table("account_balances")
