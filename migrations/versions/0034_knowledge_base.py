"""The knowledge base (知识库): articles and typical cases (典型案例), their revisions, the questions they answered
on the new-request form (deflections), and their full-text index

Revision ID: 0034
Revises: 0033

The index is built like the requests' (service.infrastructure.knowledge_index): an FTS5 table on SQLite, a tsvector
table with a GIN index on PostgreSQL, both named search_* so that migrations/env.py leaves them out of
autogenerate. Only published articles have a document. Everything starts empty.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0034"
down_revision = "0033"
branch_labels = None
depends_on = None

SQLITE_UP = (
    "CREATE VIRTUAL TABLE search_knowledge USING fts5(title_terms, body_terms, scope_terms, tokenize='unicode61')",
    (
        "CREATE TRIGGER search_knowledge_article_deleted AFTER DELETE ON knowledge_articles "
        "BEGIN DELETE FROM search_knowledge WHERE rowid = old.id; END"
    ),
)
SQLITE_DOWN = ("DROP TRIGGER IF EXISTS search_knowledge_article_deleted", "DROP TABLE IF EXISTS search_knowledge")
POSTGRESQL_UP = (
    (
        "CREATE TABLE search_knowledge_documents ("
        " article_id INTEGER PRIMARY KEY REFERENCES knowledge_articles (id) ON DELETE CASCADE,"
        " document TSVECTOR NOT NULL)"
    ),
    "CREATE INDEX ix_search_knowledge_documents_document ON search_knowledge_documents USING gin (document)",
)
POSTGRESQL_DOWN = ("DROP TABLE IF EXISTS search_knowledge_documents",)


def upgrade() -> None:
    op.create_table(
        "knowledge_articles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind", sa.Enum("article", "case", name="knowledgekind", native_enum=False, length=32), nullable=False
        ),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column(
            "category",
            sa.Enum(
                "registration_dossier",
                "clinical_evaluation",
                "biological_evaluation",
                "type_testing",
                "innovative_special_review",
                "priority_review",
                "quality_system",
                "research_transformation",
                "policy",
                "other",
                name="category",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "product_area",
            sa.Enum(
                "imaging",
                "life_support",
                "ivd",
                "implant",
                "non_powered",
                "active",
                "software_ai",
                name="productarea",
                native_enum=False,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("tags", sa.String(length=200), nullable=False),
        sa.Column(
            "language", sa.Enum("zh", "en", name="knowledgelanguage", native_enum=False, length=32), nullable=False
        ),
        sa.Column(
            "audience",
            sa.Enum("public", "internal", name="knowledgeaudience", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum("draft", "published", name="knowledgestatus", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("source_request_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_knowledge_articles_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["source_request_id"],
            ["requests.id"],
            name=op.f("fk_knowledge_articles_source_request_id_requests"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["station_id"], ["stations.id"], name=op.f("fk_knowledge_articles_station_id_stations")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_knowledge_articles_updated_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_articles")),
    )
    with op.batch_alter_table("knowledge_articles", schema=None) as batch_op:
        batch_op.create_index("ix_knowledge_articles_browse", ["status", "audience", "category", "id"], unique=False)
        batch_op.create_index("ix_knowledge_articles_source", ["source_request_id"], unique=False)
        batch_op.create_index("ix_knowledge_articles_station", ["station_id", "status", "id"], unique=False)

    op.create_table(
        "knowledge_deflections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["knowledge_articles.id"],
            name=op.f("fk_knowledge_deflections_article_id_knowledge_articles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["enterprises.id"], name=op.f("fk_knowledge_deflections_enterprise_id_enterprises")
        ),
        sa.ForeignKeyConstraint(
            ["station_id"], ["stations.id"], name=op.f("fk_knowledge_deflections_station_id_stations")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_knowledge_deflections_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_deflections")),
    )
    with op.batch_alter_table("knowledge_deflections", schema=None) as batch_op:
        batch_op.create_index("ix_knowledge_deflections_article", ["article_id"], unique=False)
        batch_op.create_index("ix_knowledge_deflections_created", ["created_at", "station_id"], unique=False)

    op.create_table(
        "knowledge_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column(
            "change",
            sa.Enum(
                "created", "edited", "published", "withdrawn", name="knowledgechange", native_enum=False, length=32
            ),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("changed_by_id", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["knowledge_articles.id"],
            name=op.f("fk_knowledge_revisions_article_id_knowledge_articles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["changed_by_id"], ["users.id"], name=op.f("fk_knowledge_revisions_changed_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_revisions")),
        sa.UniqueConstraint("article_id", "number", name="uq_knowledge_revisions_article_number"),
    )
    sqlite = op.get_bind().dialect.name == "sqlite"
    for statement in SQLITE_UP if sqlite else POSTGRESQL_UP:
        op.execute(statement)


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for statement in SQLITE_DOWN if sqlite else POSTGRESQL_DOWN:
        op.execute(statement)
    op.drop_table("knowledge_revisions")
    with op.batch_alter_table("knowledge_deflections", schema=None) as batch_op:
        batch_op.drop_index("ix_knowledge_deflections_created")
        batch_op.drop_index("ix_knowledge_deflections_article")

    op.drop_table("knowledge_deflections")
    with op.batch_alter_table("knowledge_articles", schema=None) as batch_op:
        batch_op.drop_index("ix_knowledge_articles_station")
        batch_op.drop_index("ix_knowledge_articles_source")
        batch_op.drop_index("ix_knowledge_articles_browse")

    op.drop_table("knowledge_articles")
