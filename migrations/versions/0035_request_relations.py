"""Relations between requests: merged duplicates, parent and child requests, related links; duplicates' indexes

Revision ID: 0035
Revises: 0034

Two nullable plain-id columns added in place on requests (no table copy on SQLite, where a batch would also drop
the search index's trigger): no request starts merged or a child. Their indexes find a target's merged
duplicates and a parent's children; two more find an enterprise's and a product's recent requests, among which
the request page seeks possible duplicates. A table of symmetric links, each pair stored once.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0035"
down_revision = "0034"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_requests_merged_into": ["merged_into_id"],
    "ix_requests_parent": ["parent_id", "id"],
    "ix_requests_enterprise_created": ["enterprise_id", "created_at"],
    "ix_requests_product_created": ["product_name", "created_at"],
}


def upgrade() -> None:
    op.add_column("requests", sa.Column("merged_into_id", sa.Integer(), nullable=True))
    op.add_column("requests", sa.Column("parent_id", sa.Integer(), nullable=True))
    for name, columns in INDEXES.items():
        op.create_index(name, "requests", columns)
    op.create_table(
        "request_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("related_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_request_links_created_by_id_users")),
        sa.ForeignKeyConstraint(
            ["related_id"], ["requests.id"], name=op.f("fk_request_links_related_id_requests"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["request_id"], ["requests.id"], name=op.f("fk_request_links_request_id_requests"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_links")),
        sa.UniqueConstraint("request_id", "related_id", name="uq_request_links_pair"),
    )
    op.create_index("ix_request_links_related", "request_links", ["related_id"])


def downgrade() -> None:
    op.drop_index("ix_request_links_related", table_name="request_links")
    op.drop_table("request_links")
    for name in reversed(INDEXES):
        op.drop_index(name, table_name="requests")
    op.drop_column("requests", "parent_id")
    op.drop_column("requests", "merged_into_id")
