"""A revision token for the service times, changed by triggers on every write to them

Revision ID: 0014
Revises: 0013

Every submission and triage works out due times from the SLA targets and the working
calendar; reading both for each of them was two statements and a tenth of a
submission's CPU. A process now keeps what it read together with this token and reads
only the token: triggers give it a new random value in the same transaction as any
write to either table, however the write is made. A random value rather than a
counter, because a counter would come back to an earlier value when a transaction
that raised it rolls back, and a kept copy made inside that transaction would pass
for current.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

TABLES = ("sla_targets", "calendar_days")


def upgrade() -> None:
    op.create_table(
        "service_times_revision",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("token", sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_times_revision")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("INSERT INTO service_times_revision (id, token) VALUES (1, gen_random_uuid()::text)")
        op.execute("""
            CREATE FUNCTION revise_service_times() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                UPDATE service_times_revision SET token = gen_random_uuid()::text;
                RETURN NULL;
            END $$""")
        for table in TABLES:
            op.execute(
                f"CREATE TRIGGER {table}_revise AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION revise_service_times()"
            )
    else:
        op.execute("INSERT INTO service_times_revision (id, token) VALUES (1, lower(hex(randomblob(16))))")
        for table in TABLES:
            for event in ("insert", "update", "delete"):
                op.execute(
                    f"CREATE TRIGGER {table}_revise_{event} AFTER {event.upper()} ON {table} BEGIN "
                    "UPDATE service_times_revision SET token = lower(hex(randomblob(16))); END"
                )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER {table}_revise ON {table}")
        op.execute("DROP FUNCTION revise_service_times()")
    else:
        for table in TABLES:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER {table}_revise_{event}")
    op.drop_table("service_times_revision")
