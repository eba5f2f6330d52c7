"""The full-text index of the knowledge base, built as the requests' is (service.infrastructure.search_index): the
same pre-tokenised terms (service.infrastructure.text_index, so two-character Chinese words and English words are
found alike), in an FTS5 table ``search_knowledge`` on SQLite (rowid = article id; columns for the title and tags,
the body, and scope tokens) and one tsvector per article in ``search_knowledge_documents`` on PostgreSQL (title
terms weighted A and every term's positions, for the ranking; the scope tokens prefixed ``@``). The scope tokens
(its audience, ``c`` and its category, ``k`` and its kind) let the index alone answer a reader's search with its
filters, without reading the articles' rows.

Only published articles have a document: publishing writes it, editing a published article rewrites it,
withdrawing deletes it (service.operations.knowledge), so the index itself keeps drafts out of every search.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, select, text

from service.infrastructure.markdown import plain_text
from service.infrastructure.text_index import join_terms
from service.models import KnowledgeArticle, KnowledgeStatus


@dataclass(frozen=True)
class KnowledgeDocument:
    article_id: int
    title: str
    body: str
    scope: str


def scope_token(name: str, value: str = "") -> str:
    """A token the index filters on: the audience ("public", "internal"), a category (``c``) or a kind (``k``),
    written as one word of letters for FTS5's tokenizer."""
    return name + value.replace("_", "")


def document_of(
    article_id: int, title: str, tags: str, body: str, audience: str, category: str, kind: str
) -> KnowledgeDocument:
    scope = " ".join((scope_token(audience), scope_token("c", category), scope_token("k", kind)))
    return KnowledgeDocument(article_id, join_terms(title, tags.replace(",", " ")), join_terms(plain_text(body)), scope)


def article_document(article: KnowledgeArticle) -> KnowledgeDocument:
    return document_of(
        article.id, article.title, article.tags, article.body, article.audience, article.category, article.kind
    )


# PostgreSQL keeps at most 256 positions of a lexeme, each below 16,384.
MAX_POSITIONS, MAX_POSITION = 255, 16_383


def tsvector_literal(document: KnowledgeDocument) -> str:
    """The document as tsvector input: each term with the positions where it stands (so that ts_rank counts how
    often), weighted A in the title, and the scope token."""
    positions: dict[str, list[str]] = {}
    terms = [(term, "A") for term in document.title.split()] + [(term, "") for term in document.body.split()]
    for position, (term, weight) in enumerate(terms[:MAX_POSITION], 1):
        kept = positions.setdefault(term, [])
        if len(kept) < MAX_POSITIONS:
            kept.append(f"{position}{weight}")
    lexemes = [f"'{term}':{','.join(kept)}" for term, kept in sorted(positions.items())]
    return " ".join([*lexemes, *(f"'@{token}'" for token in document.scope.split())])


_SQLITE_WRITE = text(
    "INSERT OR REPLACE INTO search_knowledge (rowid, title_terms, body_terms, scope_terms) "
    "VALUES (:id, :title, :body, :scope)"
)
_POSTGRESQL_WRITE = text(
    "INSERT INTO search_knowledge_documents (article_id, document) VALUES (:id, CAST(:document AS tsvector)) "
    "ON CONFLICT (article_id) DO UPDATE SET document = excluded.document"
)


def write_documents(connection: Connection, documents: Sequence[KnowledgeDocument]) -> None:
    """Insert or replace the documents (one executemany)."""
    if not documents:
        return
    if connection.dialect.name == "sqlite":
        connection.execute(
            _SQLITE_WRITE, [{"id": d.article_id, "title": d.title, "body": d.body, "scope": d.scope} for d in documents]
        )
    else:
        connection.execute(
            _POSTGRESQL_WRITE, [{"id": d.article_id, "document": tsvector_literal(d)} for d in documents]
        )


def delete_documents(connection: Connection, article_ids: Iterable[int]) -> None:
    ids = sorted(set(article_ids))
    if not ids:
        return
    if connection.dialect.name == "sqlite":
        connection.execute(text("DELETE FROM search_knowledge WHERE rowid = :id"), [{"id": i} for i in ids])
    else:
        connection.execute(text("DELETE FROM search_knowledge_documents WHERE article_id = ANY(:ids)"), {"ids": ids})


def rebuild(connection: Connection, batch: int = 2000) -> int:
    """Rebuild the documents of every published article (after a restore); returns the count."""
    connection.execute(
        text(
            "DELETE FROM search_knowledge"
            if connection.dialect.name == "sqlite"
            else "DELETE FROM search_knowledge_documents"
        )
    )
    columns = (
        KnowledgeArticle.id,
        KnowledgeArticle.title,
        KnowledgeArticle.tags,
        KnowledgeArticle.body,
        KnowledgeArticle.audience,
        KnowledgeArticle.category,
        KnowledgeArticle.kind,
    )
    done, last_id = 0, 0
    while True:
        rows = connection.execute(
            select(*columns)
            .where(KnowledgeArticle.status == KnowledgeStatus.PUBLISHED, KnowledgeArticle.id > last_id)
            .order_by(KnowledgeArticle.id)
            .limit(batch)
        ).all()
        if not rows:
            return done
        write_documents(connection, [document_of(*row) for row in rows])
        done, last_id = done + len(rows), rows[-1].id
