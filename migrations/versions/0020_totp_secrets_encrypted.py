"""TOTP secrets are stored encrypted with the keys of TOTP_ENCRYPTION_KEYS; the column widens for the ciphertext

Revision ID: 0020
Revises: 0019
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from alembic import op
from cryptography.fernet import MultiFernet

from config import load_settings

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

_users = sa.table("users", sa.column("id", sa.Integer), sa.column("totp_secret", sa.String))


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.alter_column("totp_secret", type_=sa.String(length=255), existing_nullable=True)
    cipher = _cipher()
    _rewrite(lambda secret: cipher.encrypt(secret.encode()).decode())


def downgrade() -> None:
    cipher = _cipher()
    _rewrite(lambda token: cipher.decrypt(token.encode()).decode())
    with op.batch_alter_table("users") as batch:
        batch.alter_column("totp_secret", type_=sa.String(length=64), existing_nullable=True)


def _cipher() -> MultiFernet:
    # The keys the app reads (production refuses to run without them), so the app can read what this writes.
    return load_settings().totp_cipher()


def _rewrite(change: Callable[[str], str]) -> None:
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(_users.c.id, _users.c.totp_secret).where(_users.c.totp_secret.is_not(None))
    ).all()
    for user_id, value in rows:
        connection.execute(_users.update().where(_users.c.id == user_id).values(totp_secret=change(value)))
