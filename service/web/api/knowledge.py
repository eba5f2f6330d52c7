"""The knowledge base (知识库), read-only: its search and an article or typical case, as the caller may read them
(enterprises the published public ones, the desk also its internal ones and its stations' drafts)."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from service.models import (
    Category,
    KnowledgeArticle,
    KnowledgeAudience,
    KnowledgeKind,
    KnowledgeLanguage,
    KnowledgeStatus,
    ProductArea,
    User,
)
from service.queries import knowledge as queries
from service.rules import policy
from service.web.api import schemas as s
from service.web.api.registry import caller, endpoint
from service.web.database import db

TAG = "knowledge"


class KnowledgeQuery(s.Query):
    q: str = Field(
        "", max_length=400, description="Words, every one of which an article must hold (Chinese or English)."
    )
    category: Category | None = None
    kind: KnowledgeKind | None = None
    page: int = Field(1, ge=1, le=10_000)


class ArticleSummary(s.Output):
    id: int
    kind: KnowledgeKind
    title: str
    category: Category
    language: KnowledgeLanguage
    audience: KnowledgeAudience
    status: KnowledgeStatus
    published_at: datetime | None
    snippet: str = Field(description="The text around the first word found (plain text).")


class ArticlePage(s.Output):
    items: list[ArticleSummary]
    total: int
    page: int
    pages: int


class ArticleOut(s.Output):
    id: int
    kind: KnowledgeKind
    title: str
    body: str = Field(description="Markdown.")
    category: Category
    product_area: ProductArea | None
    tags: list[str]
    language: KnowledgeLanguage
    audience: KnowledgeAudience
    status: KnowledgeStatus
    station_id: int
    published_at: datetime | None
    updated_at: datetime
    version: int
    source_request_id: int | None = Field(description="A typical case's request: for the desk only (null otherwise).")


def article_out(article: KnowledgeArticle, user: User) -> ArticleOut:
    return ArticleOut(
        id=article.id,
        kind=article.kind,
        title=article.title,
        body=article.body,
        category=article.category,
        product_area=article.product_area,
        tags=article.tag_list,
        language=article.language,
        audience=article.audience,
        status=article.status,
        station_id=article.station_id,
        published_at=article.published_at,
        updated_at=article.updated_at,
        version=article.version,
        source_request_id=article.source_request_id if policy.is_desk(user) else None,
    )


@endpoint(
    "/knowledge",
    summary="Search or browse the knowledge base's articles and typical cases you may read, best match first.",
    tag=TAG,
    query=KnowledgeQuery,
    response=ArticlePage,
)
def list_articles(query: KnowledgeQuery) -> ArticlePage:
    results = queries.search_articles(
        db(), caller(), query.q, category=query.category, kind=query.kind, page=query.page
    )
    items = [
        ArticleSummary(
            id=hit.article.id,
            kind=hit.article.kind,
            title=hit.article.title,
            category=hit.article.category,
            language=hit.article.language,
            audience=hit.article.audience,
            status=hit.article.status,
            published_at=hit.article.published_at,
            snippet=hit.snippet.striptags() if hit.snippet else "",
        )
        for hit in results.hits
    ]
    return ArticlePage(items=items, total=results.total, page=results.page, pages=results.pages)


@endpoint("/knowledge/<int:article_id>", summary="One article or typical case.", tag=TAG, response=ArticleOut)
def get_article(article_id: int) -> ArticleOut:
    return article_out(queries.get_article(db(), caller(), article_id), caller())
