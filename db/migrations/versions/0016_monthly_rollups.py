"""totals per day, month and window that the staff pages read instead of the ledger, filled from the rows stored

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30 00:00:00
"""

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

MONEY = sa.Numeric(12, 2)  # integer kopecks on SQLite, like every money column there (db.models.Fixed)


def _kyiv_day(value: object) -> str | None:
    if value is None:
        return None
    moment = dt.datetime.fromisoformat(str(value)).replace(tzinfo=dt.UTC)
    return moment.astimezone(ZoneInfo("Europe/Kyiv")).date().isoformat()


def upgrade() -> None:
    op.create_table(
        "payment_day_totals",
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("service", sa.String(16), primary_key=True),
        sa.Column("channel", sa.String(16), primary_key=True),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("payments", sa.Integer(), nullable=False),
    )
    op.create_table(
        "charge_month_totals",
        sa.Column("month", sa.Date(), primary_key=True),
        sa.Column("service", sa.String(16), primary_key=True),
        sa.Column("amount_to_pay", MONEY, nullable=False),
        sa.Column("charges", sa.Integer(), nullable=False),
    )
    op.create_table(
        "window_reading_totals",
        sa.Column("window_id", sa.Integer(), sa.ForeignKey("reading_windows.id"), primary_key=True),
        sa.Column("street", sa.String(120), primary_key=True),
        sa.Column("channel", sa.String(16), primary_key=True),
        sa.Column("accepted", sa.Integer(), nullable=False),
    )
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        day = "CAST(timezone('Europe/Kyiv', paid_at) AS DATE)"
    else:  # SQLite stores naive UTC: the Kyiv day comes from a function registered on this connection
        driver: Any = bind.connection.driver_connection
        driver.create_function("teplo_kyiv_day", 1, _kyiv_day, deterministic=True)
        day = "teplo_kyiv_day(paid_at)"
    op.execute(
        f"""INSERT INTO payment_day_totals (day, service, channel, amount, payments)
        SELECT {day}, service, channel, SUM(amount), COUNT(*) FROM payments GROUP BY {day}, service, channel"""
    )
    op.execute(
        """INSERT INTO charge_month_totals (month, service, amount_to_pay, charges)
        SELECT month, service, SUM(amount_to_pay), COUNT(*) FROM charges GROUP BY month, service"""
    )
    op.execute(
        """INSERT INTO window_reading_totals (window_id, street, channel, accepted)
        SELECT r.window_id, a.street, r.channel, COUNT(*)
        FROM readings r JOIN meters m ON m.id = r.meter_id JOIN accounts a ON a.id = m.account_id
        WHERE r.status = 'accepted' AND r.window_id IS NOT NULL
        GROUP BY r.window_id, a.street, r.channel"""
    )


def downgrade() -> None:
    op.drop_table("window_reading_totals")
    op.drop_table("charge_month_totals")
    op.drop_table("payment_day_totals")
