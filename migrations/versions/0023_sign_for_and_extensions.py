"""Sign-for and extensions: a dispatched request's sign-for clock and returns; officers' extension requests

Revision ID: 0023
Revises: 0022

An assignment or a transfer starts a sign-for clock (签收); the officer signs for the request or returns it
(退回) with a reason, counted per request. An officer asks for more time (延期申请) in extension_requests,
which a director approves or refuses; approved extensions are counted on the request, whose resolution due
time moves. Existing requests start with no clock running and nothing returned or extended.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

SIGN_FOR_INDEX = ["signed_for_at", "sign_for_due_at", "station_id", "id"]


def _columns() -> list[sa.Column[object]]:
    return [
        sa.Column("sign_for_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("signed_for_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("dispatched_by_id", sa.Integer(), nullable=True),
        sa.Column("transferred_from_id", sa.Integer(), nullable=True),
        sa.Column("return_count", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("return_reason", sa.String(length=32), nullable=True),
        sa.Column("return_note", sa.Text(), nullable=True),
        sa.Column("extension_count", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("extension_pending", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("extension_reason", sa.Text(), nullable=True),
    ]


def upgrade() -> None:
    # Added in place (no table copy on SQLite, where a batch would also drop the search index's trigger).
    for column in _columns():
        op.add_column("requests", column)
    op.create_index("ix_requests_sign_for", "requests", SIGN_FOR_INDEX)
    op.create_table(
        "extension_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("asked_by_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("public_reason", sa.Text(), nullable=False),
        sa.Column("internal_note", sa.Text(), nullable=False),
        sa.Column("previous_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("new_due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("needs_provincial", sa.Boolean(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_comment", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"], ["requests.id"], name=op.f("fk_extension_requests_request_id_requests"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["asked_by_id"], ["users.id"], name=op.f("fk_extension_requests_asked_by_id_users")),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_extension_requests_decided_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_extension_requests")),
    )
    op.create_index("ix_extension_requests_request", "extension_requests", ["request_id", "id"])
    op.create_index("ix_extension_requests_status", "extension_requests", ["status", "id"])


def downgrade() -> None:
    op.drop_index("ix_extension_requests_status", table_name="extension_requests")
    op.drop_index("ix_extension_requests_request", table_name="extension_requests")
    op.drop_table("extension_requests")
    op.drop_index("ix_requests_sign_for", table_name="requests")
    for column in reversed(_columns()):
        op.drop_column("requests", column.name)
