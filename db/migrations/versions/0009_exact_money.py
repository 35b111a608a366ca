"""exact money and volumes on SQLite (integer kopecks, litres, ten-thousandths)

SQLite has no exact decimal type: a NUMERIC column holds money as a binary float (REAL), whose SUM drifts.
`db.models.Fixed` stores the integer count of the last place's units there, under the same NUMERIC(p, s)
declaration; this migration converts the values already stored. PostgreSQL's NUMERIC is exact already.

Revision ID: 0009
Revises: 0007
Create Date: 2026-11-29 17:50:00
"""

from alembic import op

revision = "0009"
down_revision = "0007"
branch_labels = None
depends_on = None

# (table, column, decimal places) of every money, volume and tariff column.
COLUMNS = (
    ("meters", "initial_value", 3),
    ("charges", "volume", 3),
    ("charges", "tariff", 4),
    ("charges", "amount", 2),
    ("charges", "discount_amount", 2),
    ("charges", "amount_to_pay", 2),
    ("payments", "amount", 2),
    ("readings", "value", 3),
    ("readings", "consumption", 3),
    ("balance_snapshots", "charged", 2),
    ("balance_snapshots", "paid", 2),
    ("additional_charges", "volume", 3),
    ("additional_charges", "tariff", 4),
    ("additional_charges", "amount", 2),
    ("payment_intents", "amount", 2),
    ("registry_matches", "amount", 2),
    ("tariffs", "tariff", 4),
    ("tariffs", "norm", 3),
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table, column, places in COLUMNS:
        # ROUND(x, places) first: a float such as 1866.66 is 1866.659999…; rounding it, then scaling, is exact.
        op.execute(
            f"UPDATE {table} SET {column} = CAST(ROUND(ROUND({column}, {places}) * {10**places}) AS INTEGER) "
            f"WHERE {column} IS NOT NULL"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table, column, places in COLUMNS:
        op.execute(f"UPDATE {table} SET {column} = {column} / {10**places}.0 WHERE {column} IS NOT NULL")
