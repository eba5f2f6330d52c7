"""the open cases' clocks in one covering index; drop the index that another one prefixes

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

OPEN_CLOCKS = [
    "status",
    "station_id",
    "created_at",
    "resolution_due_at",
    "first_response_due_at",
    "first_responded_at",
    "escalated",
    "id",
]


def upgrade() -> None:
    op.create_index("ix_requests_open_clocks", "requests", OPEN_CLOCKS)
    op.drop_index("ix_requests_status_resolution_due", table_name="requests")
    # ix_requests_station_filters (station_id, status, category, priority, id) serves every lookup it did.
    op.drop_index("ix_requests_station_status_id", table_name="requests")


def downgrade() -> None:
    op.create_index("ix_requests_station_status_id", "requests", ["station_id", "status", "id"])
    op.create_index("ix_requests_status_resolution_due", "requests", ["status", "resolution_due_at"])
    op.drop_index("ix_requests_open_clocks", table_name="requests")
