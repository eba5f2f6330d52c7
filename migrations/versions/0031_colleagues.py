"""Colleagues in one enterprise: an administrator and members, invitations by mail, the enterprise's own record

Revision ID: 0031
Revises: 0030

Each enterprise user gets a place in its enterprise: the earliest active user of each enterprise (the one who
registered it) becomes its administrator, everyone else a member. enterprise_invitations holds the invitations
an administrator mails; events.enterprise_id marks the entries of an enterprise's own record (colleagues
invited, joined, changed or deactivated), added in place without a foreign key so the timeline is not copied.
enterprises.roster_version lets a colleagues form made from an older list be refused, and
ix_requests_enterprise_satisfaction counts an enterprise's ratings and return visits over time.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None

# An enterprise's ratings and return visits over time (its page on the desk), counted from the index alone.
SATISFACTION_INDEX = ["enterprise_id", "resolved_at", "rating", "visited_at", "satisfaction"]


def upgrade() -> None:
    op.add_column("users", sa.Column("enterprise_role", sa.String(length=32), nullable=True))
    op.add_column("enterprises", sa.Column("roster_version", sa.Integer(), nullable=False, server_default="1"))
    op.add_column("events", sa.Column("enterprise_id", sa.Integer(), nullable=True))
    op.create_index("ix_events_enterprise", "events", ["enterprise_id", "id"])
    op.create_index("ix_requests_enterprise_satisfaction", "requests", SATISFACTION_INDEX)
    op.execute("UPDATE users SET enterprise_role = 'member' WHERE role = 'enterprise'")
    # The earliest active user of each enterprise administers it; an enterprise with none active keeps only
    # members, and its next colleague is made administrator by the station's administrator.
    op.execute(
        """
        UPDATE users SET enterprise_role = 'administrator'
        WHERE id IN (
            SELECT MIN(u.id) FROM users u
            WHERE u.role = 'enterprise' AND u.active = true AND u.enterprise_id IS NOT NULL
            GROUP BY u.enterprise_id
        )
        """
    )
    op.create_table(
        "enterprise_invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("enterprise_role", sa.String(length=32), nullable=False),
        sa.Column("invited_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("accepted_user_id", sa.Integer(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_enterprise_invitations_enterprise_id_enterprises"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["invited_by_id"], ["users.id"], name=op.f("fk_enterprise_invitations_invited_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["accepted_user_id"], ["users.id"], name=op.f("fk_enterprise_invitations_accepted_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enterprise_invitations")),
    )
    op.create_index("ix_enterprise_invitations_enterprise", "enterprise_invitations", ["enterprise_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_enterprise_invitations_enterprise", table_name="enterprise_invitations")
    op.drop_table("enterprise_invitations")
    op.drop_index("ix_requests_enterprise_satisfaction", table_name="requests")
    op.drop_index("ix_events_enterprise", table_name="events")
    op.drop_column("events", "enterprise_id")
    op.drop_column("enterprises", "roster_version")
    op.drop_column("users", "enterprise_role")
