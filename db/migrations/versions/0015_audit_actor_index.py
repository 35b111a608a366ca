"""audit log: an index on the actor, so the account look-up's "done by this account's logins" stays fast

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-29 23:30:00
"""

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_audit_actor", "audit_log", ["actor_type", "actor"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_audit_actor", table_name="audit_log")
