"""charges and payments: covering indexes for the staff dashboard's aggregates (PostgreSQL INCLUDE), so the
total debt (per account and service), the month's charges and the payment inflows read the indexes alone

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 12:20:00
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _replace(name: str, table: str, columns: list[str], include: list[str] | None) -> None:
    op.drop_index(name, table_name=table)
    op.create_index(name, table, columns, unique=False, postgresql_include=include or [])


def upgrade() -> None:
    op.create_index(
        "ix_charges_account_service_month",
        "charges",
        ["account_id", "service", "month"],
        unique=False,
        postgresql_include=["amount_to_pay"],
    )
    _replace("ix_charges_month_service", "charges", ["month", "service"], ["amount_to_pay"])
    _replace("ix_payments_account_service_paid", "payments", ["account_id", "service", "paid_at"], ["amount"])
    _replace("ix_payments_paid_at", "payments", ["paid_at"], ["amount", "service", "channel"])


def downgrade() -> None:
    _replace("ix_payments_paid_at", "payments", ["paid_at"], None)
    _replace("ix_payments_account_service_paid", "payments", ["account_id", "service", "paid_at"], None)
    _replace("ix_charges_month_service", "charges", ["month", "service"], None)
    op.drop_index("ix_charges_account_service_month", table_name="charges")
