"""The search index holds each request's product and its enterprise's name and credit code

Revision ID: 0022
Revises: 0021

Staff find a request by the enterprise's name (or part of it), its unified social
credit code or the product's name. These join the index as two more parts of each
document (service.search_index): on SQLite two more FTS5 columns, so the table is made
anew (FTS5 cannot add a column) and the existing terms are copied over; on PostgreSQL
``d:`` and ``e:`` lexemes added to each tsvector. Only the new parts are tokenised here,
once per distinct product name and per enterprise (a few hundred at a million requests);
the rest is one INSERT ... SELECT (SQLite) or UPDATE (PostgreSQL).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from service.infrastructure.text_index import join_terms

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

OLD_COLUMNS = "title_terms, public_terms, internal_terms, scope_terms"
NEW_COLUMNS = f"{OLD_COLUMNS}, product_terms, enterprise_terms"
# As migrations 0011 and 0016 set them: the settings live in the table, so a new table needs them again.
SETTINGS = {"automerge": 16, "crisismerge": 64}
DELETE_TRIGGER = (
    "CREATE TRIGGER search_index_request_deleted AFTER DELETE ON requests "
    "BEGIN DELETE FROM search_index WHERE rowid = old.id; END"
)


def _terms_tables(connection: sa.Connection, tsvector: bool) -> None:
    """Temporary tables of the new parts' terms: per product name, per enterprise (name and credit code).

    With ``tsvector`` (PostgreSQL), the terms are written as tsvector input, each lexeme prefixed by its part.
    """

    def terms(part: str, *texts: str) -> str:
        words = join_terms(*texts).split()
        return " ".join(f"'{part}:{w}'" for w in sorted(set(words))) if tsvector else " ".join(words)

    connection.execute(sa.text("CREATE TEMPORARY TABLE product_terms_0021 (name TEXT PRIMARY KEY, terms TEXT)"))
    connection.execute(sa.text("CREATE TEMPORARY TABLE enterprise_terms_0021 (id INTEGER PRIMARY KEY, terms TEXT)"))
    products = [
        {"name": name, "terms": terms("d", name)}
        for name in connection.scalars(sa.text("SELECT DISTINCT product_name FROM requests"))
    ]
    enterprises = [
        {"id": id_, "terms": terms("e", name, code)}
        for id_, name, code in connection.execute(sa.text("SELECT id, name, credit_code FROM enterprises"))
    ]
    if products:
        connection.execute(sa.text("INSERT INTO product_terms_0021 VALUES (:name, :terms)"), products)
    if enterprises:
        connection.execute(sa.text("INSERT INTO enterprise_terms_0021 VALUES (:id, :terms)"), enterprises)


def _drop_terms_tables(connection: sa.Connection) -> None:
    connection.execute(sa.text("DROP TABLE product_terms_0021"))
    connection.execute(sa.text("DROP TABLE enterprise_terms_0021"))


def _new_sqlite_table(columns: str, copy: str) -> None:
    """search_index made anew with ``columns``, filled by ``copy`` (a SELECT from search_index_0021, the old one)."""
    op.execute("DROP TRIGGER search_index_request_deleted")  # a rename would carry it over to the old table
    op.execute("ALTER TABLE search_index RENAME TO search_index_0021")
    op.execute(f"CREATE VIRTUAL TABLE search_index USING fts5({columns}, tokenize='unicode61')")
    for key, value in SETTINGS.items():
        op.execute(f"INSERT INTO search_index (search_index, rank) VALUES ('{key}', {value})")
    # A larger term buffer while copying: fewer segments to merge, then one merged index (as the generator does).
    op.execute("INSERT INTO search_index (search_index, rank) VALUES ('hashsize', 67108864)")
    op.execute(f"INSERT INTO search_index (rowid, {columns}) {copy}")
    op.execute("INSERT INTO search_index (search_index, rank) VALUES ('hashsize', 1048576)")
    op.execute("INSERT INTO search_index (search_index) VALUES ('optimize')")
    op.execute("DROP TABLE search_index_0021")
    op.execute(DELETE_TRIGGER)


def upgrade() -> None:
    connection = op.get_bind()
    sqlite = connection.dialect.name == "sqlite"
    _terms_tables(connection, tsvector=not sqlite)
    if sqlite:
        _new_sqlite_table(
            NEW_COLUMNS,
            (
                f"SELECT old.rowid, {', '.join('old.' + c for c in OLD_COLUMNS.split(', '))}, "
                "coalesce(p.terms, ''), e.terms FROM search_index_0021 AS old "
                "JOIN requests AS r ON r.id = old.rowid JOIN enterprise_terms_0021 AS e ON e.id = r.enterprise_id "
                "LEFT JOIN product_terms_0021 AS p ON p.name = r.product_name ORDER BY old.rowid"
            ),
        )
    else:
        op.execute(
            "UPDATE search_documents AS d SET document = d.document || CAST(e.terms AS tsvector) "
            "|| CAST(coalesce(p.terms, '') AS tsvector) "
            "FROM requests AS r JOIN enterprise_terms_0021 AS e ON e.id = r.enterprise_id "
            "LEFT JOIN product_terms_0021 AS p ON p.name = r.product_name WHERE r.id = d.request_id"
        )
    _drop_terms_tables(connection)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _new_sqlite_table(OLD_COLUMNS, f"SELECT rowid, {OLD_COLUMNS} FROM search_index_0021 ORDER BY rowid")
    else:
        op.execute(
            "UPDATE search_documents SET document = array_to_tsvector(ARRAY("
            "SELECT lexeme FROM unnest(tsvector_to_array(document)) AS lexeme "
            "WHERE lexeme NOT LIKE 'd:%' AND lexeme NOT LIKE 'e:%'))"
        )
