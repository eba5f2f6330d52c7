"""The tier of a supervision order (督办) its unit and issuer were last told of by the SLA sweep

Revision ID: 0028
Revises: 0027

Orders already open start with none told: the first sweep after the migration tells
each one's unit and issuer of its tier once if it is blue, yellow or red.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "supervision_orders",
        sa.Column(
            "tier_told",
            sa.Enum("on_schedule", "blue", "yellow", "red", name="supervisiontier", native_enum=False, length=32),
            nullable=True,
        ),
    )


def downgrade() -> None:
    with op.batch_alter_table("supervision_orders") as batch_op:
        batch_op.drop_column("tier_told")
