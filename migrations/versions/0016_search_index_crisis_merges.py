"""SQLite's full-text index merges a full level of segments at once only as a last resort

Revision ID: 0016
Revises: 0015

FTS5 merges a level's segments in small steps, a little after each write, once
'automerge' of them have piled up; when 'crisismerge' of them have piled up it merges
the whole level at once, inside the write that tipped it over. FTS5's defaults keep
the second four times the first (4 and 16). Migration 0011 raised 'automerge' to 16
and left 'crisismerge' at 16, so the stepwise merging never had room to start. After
the generator's load of a million requests the 240th write merged the loaded 400 MB
segment in one transaction: 22 s holding the one write lock every submission waits
for. With 64, 8,000 writes after the same load took at most 96 ms each.
"""

from __future__ import annotations

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

FTS5_DEFAULT_CRISISMERGE = 16
CRISISMERGE = 64


def _set_crisismerge(value: int) -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"INSERT INTO search_index (search_index, rank) VALUES ('crisismerge', {value})")


def upgrade() -> None:
    _set_crisismerge(CRISISMERGE)


def downgrade() -> None:
    _set_crisismerge(FTS5_DEFAULT_CRISISMERGE)
