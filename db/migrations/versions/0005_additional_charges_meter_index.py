"""additional_charges: an index by meter, for the estimates a submitted reading's receipt subtracts

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 15:20:00
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_additional_charges_meter_id", "additional_charges", ["meter_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_additional_charges_meter_id", table_name="additional_charges")
