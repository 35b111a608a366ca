"""atomic throttle claims, a tally of unauthenticated rejections, an append-only audit log on PostgreSQL

failed_attempts gains `outcome` (claimed / failed / cleared / locked) and `attempts`,
so a success marks failures instead of deleting them; audit_tallies counts repeated unsigned payment callbacks;
on PostgreSQL a trigger refuses UPDATE and DELETE on audit_log (TRUNCATE, used only to reset test databases,
is not a row operation and stays possible for the table's owner).

Revision ID: 0010
Revises: 0006
Create Date: 2026-11-29 17:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0006"
branch_labels = None
depends_on = None

APPEND_ONLY_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql
"""
APPEND_ONLY_TRIGGER = """
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()
"""


def upgrade() -> None:
    with op.batch_alter_table("failed_attempts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("outcome", sa.String(length=16), server_default="failed", nullable=False))
        batch_op.add_column(sa.Column("attempts", sa.Integer(), server_default="1", nullable=False))
    op.create_table(
        "audit_tallies",
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("period_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("action", "source", "reason", "period_start"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(APPEND_ONLY_FUNCTION)
        op.execute(APPEND_ONLY_TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    op.drop_table("audit_tallies")
    with op.batch_alter_table("failed_attempts", schema=None) as batch_op:
        batch_op.drop_column("attempts")
        batch_op.drop_column("outcome")
