"""Requests by status in id order

Revision ID: 0012
Revises: 0011

The "new" queue (status submitted) and any status filter over the whole province
asked for one status newest or oldest first. No index gave a status in id order:
SQLite, which keeps no per-value statistics, either sorted every request of the
status or walked the requests in id order past a million closed ones to find the
first submitted (0.2-0.5 s at a million requests); PostgreSQL sorted the status's
rows. With (status, id) a page is 26 entries of one index.
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_requests_status_id", "requests", ["status", "id"])
    # SQLite plans by the figures ANALYZE keeps per index: a new index has none until it is measured.
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ANALYZE ix_requests_status_id")


def downgrade() -> None:
    op.drop_index("ix_requests_status_id", table_name="requests")
