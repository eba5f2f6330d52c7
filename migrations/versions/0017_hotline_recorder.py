"""hotline sessions name a recorder: a staff member chosen when scheduling who may record the minutes

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Sessions scheduled before have no recorder: their hosting director and the station's directors record them.
    with op.batch_alter_table("hotline_sessions") as batch:
        batch.add_column(sa.Column("recorder_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_hotline_sessions_recorder_id_users"), "users", ["recorder_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("hotline_sessions") as batch:
        batch.drop_constraint(op.f("fk_hotline_sessions_recorder_id_users"), type_="foreignkey")
        batch.drop_column("recorder_id")
