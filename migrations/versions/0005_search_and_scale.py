"""search and scale: the full-text index of requests, and indexes for queues and dashboards at scale

The search structures are not ORM tables (an FTS5 virtual table on SQLite, a
tsvector table on PostgreSQL); migrations/env.py leaves them out of
autogenerate through service.infrastructure.search_index.is_search_structure.

Revision ID: 0005
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0001"
branch_labels = None
depends_on = None

SQLITE_UP = (
    # Pre-tokenised terms (service.infrastructure.text_index) and scope tokens; rowid is the request id.
    (
        "CREATE VIRTUAL TABLE search_index USING fts5("
        "title_terms, public_terms, internal_terms, scope_terms, tokenize='unicode61')"
    ),
    (
        "CREATE TRIGGER search_index_request_deleted AFTER DELETE ON requests "
        "BEGIN DELETE FROM search_index WHERE rowid = old.id; END"
    ),
)
SQLITE_DOWN = ("DROP TRIGGER IF EXISTS search_index_request_deleted", "DROP TABLE IF EXISTS search_index")

POSTGRESQL_UP = (
    # One tsvector per request: its terms prefixed by part (t: title, p: public, i: internal) and its
    # scope tokens (@e<enterprise>, @s<station>), see service.infrastructure.search_index.
    (
        "CREATE TABLE search_documents ("
        " request_id INTEGER PRIMARY KEY REFERENCES requests (id) ON DELETE CASCADE,"
        " document TSVECTOR NOT NULL)"
    ),
    "CREATE INDEX ix_search_documents_document ON search_documents USING gin (document)",
)
POSTGRESQL_DOWN = ("DROP TABLE IF EXISTS search_documents",)


# Composite indexes of ServiceRequest.__table_args__ for queues and dashboards at scale.
REQUEST_INDEXES = {
    "ix_requests_station_id": ["station_id", "id"],
    "ix_requests_station_filters": ["station_id", "status", "category", "priority", "id"],
    "ix_requests_resolved": ["resolved_at", "station_id", "rating"],
    "ix_requests_responded": ["first_responded_at", "station_id", "first_response_due_at"],
}


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for statement in SQLITE_UP if sqlite else POSTGRESQL_UP:
        op.execute(statement)
    with op.batch_alter_table("requests", schema=None) as batch_op:
        for name, columns in REQUEST_INDEXES.items():
            batch_op.create_index(name, columns, unique=False)


def downgrade() -> None:
    with op.batch_alter_table("requests", schema=None) as batch_op:
        for name in REQUEST_INDEXES:
            batch_op.drop_index(name)
    sqlite = op.get_bind().dialect.name == "sqlite"
    for statement in SQLITE_DOWN if sqlite else POSTGRESQL_DOWN:
        op.execute(statement)
