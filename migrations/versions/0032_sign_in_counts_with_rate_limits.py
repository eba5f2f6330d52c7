"""Failed sign-ins per client address are counted with the other rate limits: login_throttles goes

Revision ID: 0032
Revises: 0031

The counts of the current window are dropped with the table: an address that was close to the limit starts
its window again, as it would a quarter of an hour later. The per-account lock stays on users.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_table("login_throttles")


def downgrade() -> None:
    op.create_table(
        "login_throttles",
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_started_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_throttles")),
    )
