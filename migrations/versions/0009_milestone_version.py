"""milestones carry a version: an edit made from a stale copy is refused, not saved over another

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing milestones start at version 1, as new ones do.
    with op.batch_alter_table("milestones") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))


def downgrade() -> None:
    with op.batch_alter_table("milestones") as batch:
        batch.drop_column("version")
