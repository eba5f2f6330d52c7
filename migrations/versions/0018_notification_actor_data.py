"""Notifications name who made the change and what changed, and may be about a plan

Revision ID: 0018
Revises: 0017

Until now a notification held only its kind and request, so the inbox could not say who did it or what the new
state is, and the inbox is ordered by when things happened (records made with past times, as the demo's, come
out in time order). Existing rows keep both empty (shown as before). A plan's approval or return is told to
its author (and an approval to the enterprise) with the director's comment; a returned draft
(service_plans.returned_at) leaves the list awaiting approval until saved again.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("actor_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("data", sa.JSON(none_as_null=True), nullable=True))
        batch.add_column(sa.Column("plan_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_notifications_plan_id_service_plans", "service_plans", ["plan_id"], ["id"], ondelete="CASCADE"
        )
        batch.create_foreign_key("fk_notifications_actor_id_users", "users", ["actor_id"], ["id"], ondelete="SET NULL")
    with op.batch_alter_table("service_plans") as batch:
        batch.add_column(sa.Column("returned_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_notifications_user_created", "notifications", ["user_id", "created_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_notifications_user_created", table_name="notifications")
    with op.batch_alter_table("service_plans") as batch:
        batch.drop_column("returned_at")
    with op.batch_alter_table("notifications") as batch:
        batch.drop_constraint("fk_notifications_actor_id_users", type_="foreignkey")
        batch.drop_constraint("fk_notifications_plan_id_service_plans", type_="foreignkey")
        batch.drop_column("plan_id")
        batch.drop_column("data")
        batch.drop_column("actor_id")
