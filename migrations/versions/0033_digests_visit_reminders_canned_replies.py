"""Daily digests of the outbox, and canned replies (常用回复)

Revision ID: 0033
Revises: 0032

A digest is an outbox row of its own; the rows it gathers point at it (digest_id) and are marked gathered, in one
transaction, so that each is in one digest. canned_replies holds the reply templates, a person's or a station's.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbound_mail") as batch:
        batch.add_column(sa.Column("digest_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_outbound_mail_digest_id_outbound_mail"),
            "outbound_mail",
            ["digest_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_index("ix_outbound_mail_digest_id", ["digest_id"])
    op.create_table(
        "canned_replies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("station_id", sa.Integer(), nullable=True),
        sa.Column("usage_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_canned_replies_owner_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["station_id"], ["stations.id"], name=op.f("fk_canned_replies_station_id_stations"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_canned_replies")),
    )
    op.create_index("ix_canned_replies_owner", "canned_replies", ["owner_id", "title"])
    op.create_index("ix_canned_replies_station", "canned_replies", ["station_id", "title"])


def downgrade() -> None:
    op.drop_index("ix_canned_replies_station", table_name="canned_replies")
    op.drop_index("ix_canned_replies_owner", table_name="canned_replies")
    op.drop_table("canned_replies")
    with op.batch_alter_table("outbound_mail") as batch:
        batch.drop_index("ix_outbound_mail_digest_id")
        batch.drop_constraint(op.f("fk_outbound_mail_digest_id_outbound_mail"), type_="foreignkey")
        batch.drop_column("digest_id")
