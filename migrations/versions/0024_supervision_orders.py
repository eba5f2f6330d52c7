"""Supervision orders (督办) on requests and service plans

Revision ID: 0024
Revises: 0023

A director's written order with an issue, a requirement and a deadline; the unit (the subject's station) reports
what was done (落实情况) and the director accepts it or sends it back. The tier (blue, yellow, red) is computed
from the deadline, never stored: the indexes serve the supervision page's ranges of deadlines by status and
station.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "supervision_orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("plan_id", sa.Integer(), nullable=True),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), nullable=False),
        sa.Column("issue", sa.Text(), nullable=False),
        sa.Column("requirement", sa.Text(), nullable=False),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("report", sa.Text(), nullable=True),
        sa.Column("reported_by_id", sa.Integer(), nullable=True),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reports", sa.Integer(), nullable=False),
        sa.Column("sent_back", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"], ["requests.id"], name=op.f("fk_supervision_orders_request_id_requests"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["service_plans.id"],
            name=op.f("fk_supervision_orders_plan_id_service_plans"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["station_id"], ["stations.id"], name=op.f("fk_supervision_orders_station_id_stations")
        ),
        sa.ForeignKeyConstraint(["issued_by_id"], ["users.id"], name=op.f("fk_supervision_orders_issued_by_id_users")),
        sa.ForeignKeyConstraint(
            ["reported_by_id"], ["users.id"], name=op.f("fk_supervision_orders_reported_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_orders")),
    )
    op.create_index("ix_supervision_orders_status_deadline", "supervision_orders", ["status", "deadline", "id"])
    op.create_index("ix_supervision_orders_station", "supervision_orders", ["station_id", "status", "deadline", "id"])
    op.create_index("ix_supervision_orders_request", "supervision_orders", ["request_id", "id"])
    op.create_index("ix_supervision_orders_plan", "supervision_orders", ["plan_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_supervision_orders_plan", table_name="supervision_orders")
    op.drop_index("ix_supervision_orders_request", table_name="supervision_orders")
    op.drop_index("ix_supervision_orders_station", table_name="supervision_orders")
    op.drop_index("ix_supervision_orders_status_deadline", table_name="supervision_orders")
    op.drop_table("supervision_orders")
