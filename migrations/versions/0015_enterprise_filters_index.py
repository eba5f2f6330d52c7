"""An index for an enterprise's own list, by status and filters

Revision ID: 0015
Revises: 0014

The portal's list counted an enterprise's open requests (or all of them filtered by
category, priority or escalation) by reading each of the enterprise's requests from the
table: 80-140 ms on SQLite for the busiest generated enterprise (31,000 requests at a
million). With the filtered columns in one index the count reads its entries alone
(5-15 ms), as a station's queues do with ix_requests_station_filters.
"""

from __future__ import annotations

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_requests_enterprise_filters",
        "requests",
        ["enterprise_id", "status", "category", "priority", "escalated", "id"],
    )
    # SQLite plans by the figures ANALYZE keeps per index: a new index has none until it is measured.
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ANALYZE ix_requests_enterprise_filters")


def downgrade() -> None:
    op.drop_index("ix_requests_enterprise_filters", table_name="requests")
