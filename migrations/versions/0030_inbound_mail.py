"""The log of inbound mail: each mail received by `flask receive-mail` (pipe or IMAP) and what became of it

Revision ID: 0030
Revises: 0029

Starts empty.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbound_mail",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=255), nullable=False),
        sa.Column("processed_message_id", sa.String(length=255), nullable=True),
        sa.Column("sender", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=255), nullable=False),
        sa.Column("reason_params", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("reply_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"], ["requests.id"], name=op.f("fk_inbound_mail_request_id_requests"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_inbound_mail_user_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["reply_id"], ["messages.id"], name=op.f("fk_inbound_mail_reply_id_messages"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_mail")),
        sa.UniqueConstraint("processed_message_id", name=op.f("uq_inbound_mail_processed_message_id")),
    )
    op.create_index("ix_inbound_mail_message_id", "inbound_mail", ["message_id"])
    op.create_index("ix_inbound_mail_received_at", "inbound_mail", ["received_at"])


def downgrade() -> None:
    op.drop_index("ix_inbound_mail_received_at", table_name="inbound_mail")
    op.drop_index("ix_inbound_mail_message_id", table_name="inbound_mail")
    op.drop_table("inbound_mail")
