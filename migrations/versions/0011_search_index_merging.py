"""SQLite's full-text index merges its segments sixteen at a time

Revision ID: 0011
Revises: 0010

FTS5 writes each transaction's new terms as a small segment and, by default,
merges segments four at a time as they pile up: a single submission rewrote
about 20 pages of the index (a third of everything it wrote), inside the one
write lock every submission waits for. Merging sixteen at a time rewrites each
term a third as often (about 8 pages per submission); a search consults at most
fifteen small segments per level besides the large ones, which costs nothing
measurable. PostgreSQL's GIN index keeps its own pending list and is untouched.
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

FTS5_DEFAULT_AUTOMERGE = 4
AUTOMERGE = 16


def _set_automerge(value: int) -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"INSERT INTO search_index (search_index, rank) VALUES ('automerge', {value})")


def upgrade() -> None:
    _set_automerge(AUTOMERGE)


def downgrade() -> None:
    _set_automerge(FTS5_DEFAULT_AUTOMERGE)
