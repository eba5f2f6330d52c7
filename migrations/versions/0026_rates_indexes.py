"""The rates' indexes (三率: service/queries/rates.py)

Revision ID: 0026
Revises: 0025

One index per date axis of the rates: requests received (created_at), closed (resolved_at) and visited
(visited_at), each led by the station and the date and carrying every column the counts of that axis test, so
that a period's grouped counts per station and per officer read index entries only, never the rows; and the
supervision orders by their issue time. No data changes.
"""

from __future__ import annotations

from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_requests_rates_received": (
        "requests",
        [
            "station_id",
            "created_at",
            "assignee_id",
            "dispatched_by_id",
            "return_count",
            "reminder_count",
            "signed_for_at",
            "sign_for_due_at",
            "first_responded_at",
            "first_response_due_at",
        ],
    ),
    "ix_requests_rates_closed": (
        "requests",
        [
            "station_id",
            "resolved_at",
            "assignee_id",
            "resolution_due_at",
            "result_category",
            "redo_count",
            "extension_count",
        ],
    ),
    "ix_requests_rates_visited": ("requests", ["station_id", "visited_at", "assignee_id", "satisfaction"]),
    "ix_supervision_orders_created": ("supervision_orders", ["created_at", "request_id"]),
}


def upgrade() -> None:
    for name, (table, columns) in INDEXES.items():
        op.create_index(name, table, columns)
        # SQLite plans by the figures ANALYZE keeps per index: a new index has none until it is measured.
        if op.get_bind().dialect.name == "sqlite":
            op.execute(f"ANALYZE {name}")


def downgrade() -> None:
    for name, (table, _) in INDEXES.items():
        op.drop_index(name, table_name=table)
