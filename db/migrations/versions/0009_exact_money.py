"""exact money and volumes on SQLite (integer kopecks, litres, ten-thousandths); payments.reverses_id

SQLite has no exact decimal type: a NUMERIC column holds money as a binary float (REAL), whose SUM drifts.
`db.models.Fixed` stores the integer count of the last place's units there, under the same NUMERIC(p, s)
declaration; this migration converts the values already stored. PostgreSQL's NUMERIC is exact already.

A reversed payment is a reversing entry: a negative payment whose `reverses_id` names the original, at most one.

Revision ID: 0009
Revises: 0006
Create Date: 2026-11-29 17:50:00
"""

import sqlalchemy as sa
from alembic import op


revision = '0009'
down_revision = '0006'
branch_labels = None
depends_on = None

# (table, column, decimal places) of every money, volume and tariff column.
COLUMNS = (
    ('meters', 'initial_value', 3),
    ('charges', 'volume', 3),
    ('charges', 'tariff', 4),
    ('charges', 'amount', 2),
    ('charges', 'discount_amount', 2),
    ('charges', 'amount_to_pay', 2),
    ('payments', 'amount', 2),
    ('readings', 'value', 3),
    ('readings', 'consumption', 3),
    ('balance_snapshots', 'charged', 2),
    ('balance_snapshots', 'paid', 2),
    ('additional_charges', 'volume', 3),
    ('additional_charges', 'tariff', 4),
    ('additional_charges', 'amount', 2),
    ('payment_intents', 'amount', 2),
    ('registry_matches', 'amount', 2),
)


def upgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        # SQLite adds a column with its reference in place; rebuilding the table would trip the keys into it.
        op.execute('ALTER TABLE payments ADD COLUMN reverses_id INTEGER '
                   'CONSTRAINT fk_payments_reverses_id REFERENCES payments (id)')
    else:
        op.add_column('payments', sa.Column('reverses_id', sa.Integer(), nullable=True))
        op.create_foreign_key('fk_payments_reverses_id', 'payments', 'payments', ['reverses_id'], ['id'])
    op.create_index('ux_payments_reverses_id', 'payments', ['reverses_id'], unique=True)
    if op.get_bind().dialect.name != 'sqlite':
        return
    for table, column, places in COLUMNS:
        # ROUND(x, places) first: a float such as 1866.66 is 1866.659999…; rounding it, then scaling, is exact.
        op.execute(f'UPDATE {table} SET {column} = CAST(ROUND(ROUND({column}, {places}) * {10 ** places}) AS INTEGER) '
                   f'WHERE {column} IS NOT NULL')


def downgrade() -> None:
    op.drop_index('ux_payments_reverses_id', table_name='payments')
    if op.get_bind().dialect.name == 'sqlite':
        with op.batch_alter_table('payments') as batch:  # the rebuilt table leaves the column and its reference out
            batch.drop_column('reverses_id')
    else:
        op.drop_constraint('fk_payments_reverses_id', 'payments', type_='foreignkey')
        op.drop_column('payments', 'reverses_id')
    if op.get_bind().dialect.name != 'sqlite':
        return
    for table, column, places in COLUMNS:
        op.execute(f'UPDATE {table} SET {column} = {column} / {10 ** places}.0 WHERE {column} IS NOT NULL')
