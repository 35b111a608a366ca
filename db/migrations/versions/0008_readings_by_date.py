"""readings: one standing reading per meter and window (existing duplicates resolved); recalculations

Revision ID: 0008
Revises: 0006
Create Date: 2026-11-29 18:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0011"
branch_labels = None
depends_on = None


def _resolve_duplicates() -> None:
    """Where races left several accepted readings of one meter in one window, the latest-dated one stands (on a tie a
    correction, then the consumer's own, then the later arrival); the others become superseded by it."""
    bind = op.get_bind()
    groups = bind.execute(
        sa.text(
            "SELECT meter_id, window_id FROM readings WHERE status = 'accepted' AND window_id IS NOT NULL "
            "GROUP BY meter_id, window_id HAVING COUNT(*) > 1"
        )
    ).all()
    for meter_id, window_id in groups:
        ids = (
            bind.execute(
                sa.text(
                    "SELECT id FROM readings WHERE meter_id = :m AND window_id = :w AND status = 'accepted' "
                    "ORDER BY submitted_at DESC, CASE WHEN quality = 'corrected' THEN 0 ELSE 1 END, "
                    "CASE WHEN channel = 'cabinet' THEN 0 ELSE 1 END, id DESC"
                ),
                {"m": meter_id, "w": window_id},
            )
            .scalars()
            .all()
        )
        bind.execute(
            sa.text("UPDATE readings SET status = 'superseded', superseded_by_id = :keep WHERE id = :id"),
            [{"keep": ids[0], "id": other} for other in ids[1:]],
        )


def upgrade() -> None:
    _resolve_duplicates()
    op.create_index(
        "uq_readings_standing",
        "readings",
        ["meter_id", "window_id"],
        unique=True,
        postgresql_where=sa.text("status = 'accepted'"),
        sqlite_where=sa.text("status = 'accepted'"),
    )
    op.create_table(
        "recalculations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("window_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("meter_id", sa.Integer(), nullable=False),
        sa.Column("reading_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("quality", sa.String(length=16), nullable=False),
        sa.Column("estimated_volume", sa.Numeric(precision=12, scale=3), nullable=False),
        sa.Column("actual_volume", sa.Numeric(precision=12, scale=3), nullable=False),
        sa.Column("volume", sa.Numeric(precision=12, scale=3), nullable=False),
        sa.Column("tariff", sa.Numeric(precision=12, scale=4), nullable=False),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"]),
        sa.ForeignKeyConstraint(["meter_id"], ["meters.id"]),
        sa.ForeignKeyConstraint(["reading_id"], ["readings.id"]),
        sa.ForeignKeyConstraint(["window_id"], ["reading_windows.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("reading_id", "kind", name="uq_recalculation_reading_kind"),
    )
    op.create_index("ix_recalculations_window_id", "recalculations", ["window_id"])
    op.create_index("ix_recalculations_account_id", "recalculations", ["account_id"])
    op.create_index("ix_recalculations_meter_id", "recalculations", ["meter_id"])


def downgrade() -> None:
    op.drop_index("ix_recalculations_meter_id", table_name="recalculations")
    op.drop_index("ix_recalculations_account_id", table_name="recalculations")
    op.drop_index("ix_recalculations_window_id", table_name="recalculations")
    op.drop_table("recalculations")
    op.drop_index("uq_readings_standing", table_name="readings")
