"""kept_forms: a form the server did not take waits here for the page it goes back to (post/redirect/get)

Revision ID: 0021
Revises: 0020

The request and plan pages send a refused or invalid form back to the page with a redirect, so that a
reload never sends it again. What the user typed (up to 20,000 characters) does not fit the session
cookie, which now carries only this table's token.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kept_forms",
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_kept_forms_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("token", name=op.f("pk_kept_forms")),
    )
    op.create_index(op.f("ix_kept_forms_created_at"), "kept_forms", ["created_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_kept_forms_created_at"), table_name="kept_forms")
    op.drop_table("kept_forms")
