"""Typical cases (典型案例): a result flagged by a head for the monthly report (月报), with who flagged it and why

Revision ID: 0027
Revises: 0026

Three nullable columns added in place (no table copy on SQLite, where a batch would also drop the search index's
trigger): every existing request starts unflagged. No index: the monthly report reads the month's results by
their resolution time (ix_requests_resolved) and keeps the flagged ones.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def _columns() -> list[sa.Column[object]]:
    return [
        sa.Column("typical_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("typical_by_id", sa.Integer(), nullable=True),
        sa.Column("typical_note", sa.Text(), nullable=True),
    ]


def upgrade() -> None:
    for column in _columns():
        op.add_column("requests", column)


def downgrade() -> None:
    for column in reversed(_columns()):
        op.drop_column("requests", column.name)
