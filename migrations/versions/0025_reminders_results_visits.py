"""Reminders, results and return visits: the SLA sweep's reminders (催办), a result's category and basis (办结)
with an optional review by the station's head (审核), return visits (回访) and redos (重办)

Revision ID: 0025
Revises: 0024

The next automatic reminder of each clock sits on the request, indexed, so that the sweep finds the few that
are due by time; existing open requests are not reminded of the past (their columns start empty). A request
already resolved keeps its summary as the result text, in the category "resolved"; an enterprise's earlier
rating stays where it was (the rates read it as an online visit from now on).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

ENUM = {"native_enum": False, "length": 32}


def _columns() -> list[sa.Column[object]]:
    return [
        sa.Column("sign_for_remind_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution_remind_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminder_count", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("last_reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "result_category",
            sa.Enum("resolved", "explained", "not_feasible", name="resultcategory", **ENUM),
            nullable=True,
        ),
        sa.Column("result_basis", sa.Text(), nullable=True),
        sa.Column(
            "satisfaction",
            sa.Enum(
                "very_satisfied",
                "satisfied",
                "basically_satisfied",
                "unsatisfied",
                "very_unsatisfied",
                name="satisfaction",
                **ENUM,
            ),
            nullable=True,
        ),
        sa.Column("visit_solved", sa.Boolean(), nullable=True),
        sa.Column("visited_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("redo_count", sa.Integer(), nullable=False, server_default="0"),
    ]


def upgrade() -> None:
    # Added in place (no table copy on SQLite, where a batch would also drop the search index's trigger).
    for column in _columns():
        op.add_column("requests", column)
    op.create_index("ix_requests_sign_for_remind", "requests", ["sign_for_remind_at"])
    op.create_index("ix_requests_resolution_remind", "requests", ["resolution_remind_at"])
    op.execute("UPDATE requests SET result_category = 'resolved' WHERE resolution_summary IS NOT NULL")
    op.add_column("stations", sa.Column("review_closures", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "return_visits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.Enum("phone", "online", name="visitchannel", **ENUM), nullable=False),
        sa.Column(
            "satisfaction",
            sa.Enum(
                "very_satisfied",
                "satisfied",
                "basically_satisfied",
                "unsatisfied",
                "very_unsatisfied",
                name="satisfaction",
                **ENUM,
            ),
            nullable=False,
        ),
        sa.Column("solved", sa.Boolean(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"], ["requests.id"], name=op.f("fk_return_visits_request_id_requests"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["users.id"], name=op.f("fk_return_visits_recorded_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_return_visits")),
    )
    op.create_index("ix_return_visits_request", "return_visits", ["request_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_return_visits_request", table_name="return_visits")
    op.drop_table("return_visits")
    with op.batch_alter_table("stations") as batch_op:
        batch_op.drop_column("review_closures")
    op.drop_index("ix_requests_resolution_remind", table_name="requests")
    op.drop_index("ix_requests_sign_for_remind", table_name="requests")
    for column in reversed(_columns()):
        op.drop_column("requests", column.name)
