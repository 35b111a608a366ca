"""look-up index: an address by words anywhere in it, through trigrams (PostgreSQL's pg_trgm extension)

The staff look-up's «гулака 20» read every account's address (50-90 ms at 80,000 accounts, about ten times that at
a million). pg_trgm ships with PostgreSQL (Debian's postgresql package, and managed services) and is a trusted
extension: the database's owner may create it. SQLite reads the addresses whole, as before.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-01 09:00:00
"""

from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute("CREATE INDEX ix_accounts_address_words ON accounts USING gin (lower(address) gin_trgm_ops)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX ix_accounts_address_words")  # the extension stays: other objects may use it
